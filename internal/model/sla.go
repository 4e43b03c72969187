package model

import (
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/sla"
)

// SLADuration is a duration written like "15m", "4h" or "1h30m" in JSON.
type SLADuration time.Duration

func (d SLADuration) MarshalJSON() ([]byte, error) {
	if d == 0 {
		return []byte(`""`), nil
	}
	return json.Marshal(ShortDuration(time.Duration(d)))
}

func (d *SLADuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"4h\" or \"30m\"")
	}
	if s == "" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"4h\" or \"30m\"", s)
	}
	*d = SLADuration(v)
	return nil
}

// SLA reassignment on breach.
const (
	SLAReassignLead  = "lead"  // to the team lead (dept_head of the team's unit)
	SLAReassignQueue = "queue" // back to the team's queue
)

// SLAPolicy is the service level of the tickets it matches: a ticket
// type and priority (empty matches any; the first matching policy wins).
type SLAPolicy struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	Priority      string      `json:"priority"`
	FirstResponse SLADuration `json:"first_response"`
	Resolution    SLADuration `json:"resolution"`
	Calendar      string      `json:"calendar"`               // "24x7" (calendar time) or a calendar's name
	WarnPercent   int         `json:"warn_percent,omitempty"` // warn at this share of a target (default 80) …
	WarnBefore    SLADuration `json:"warn_before,omitempty"`  // … or this long before the due moment
	RemindEvery   SLADuration `json:"remind_every,omitempty"` // overdue reminders to the assignee; "" none
	Reassign      string      `json:"reassign,omitempty"`     // on breach: "", "lead" or "queue"
}

// SLAPolicies is the admin's policy list (GET/PUT /api/v1/sla-policies).
type SLAPolicies struct {
	Policies []SLAPolicy `json:"policies"`
}

// SLACalendars is the admin's calendar list (GET/PUT /api/v1/sla-calendars).
type SLACalendars struct {
	Calendars []sla.Calendar `json:"calendars"`
}

// TicketSLAView is a ticket's clocks as GET /api/v1/tickets/{id} shows them.
type TicketSLAView struct {
	Policy                string      `json:"policy"`
	Calendar              string      `json:"calendar"`
	Cycle                 int         `json:"cycle"`
	FirstResponseDue      *time.Time  `json:"first_response_due"`
	FirstResponseAt       *time.Time  `json:"first_response_at"`
	ResolutionDue         *time.Time  `json:"resolution_due"`
	Paused                bool        `json:"paused"`
	Stopped               bool        `json:"stopped"`
	FirstResponseBreached bool        `json:"first_response_breached"`
	ResolutionBreached    bool        `json:"resolution_breached"`
	AtRisk                bool        `json:"at_risk"`
	Remaining             SLADuration `json:"remaining"` // business time left on the resolution clock; negative overdue
}
