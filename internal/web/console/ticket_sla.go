package console

import (
	"encoding/json"
	"fmt"
	"time"
)

// slaDoc is the ticket's "sla" object, added to the ticket JSON by the SLA
// part of the API; the page shows it when present.
type slaDoc struct {
	Policy                json.RawMessage `json:"policy"`
	FirstResponseDue      time.Time       `json:"first_response_due"`
	FirstResponseAt       time.Time       `json:"first_response_at"`
	ResolutionDue         time.Time       `json:"resolution_due"`
	Paused                bool            `json:"paused"`
	Stopped               bool            `json:"stopped"` // the resolution clock stopped (resolved)
	FirstResponseBreached bool            `json:"first_response_breached"`
	ResolutionBreached    bool            `json:"resolution_breached"`
}

// slaClock is one deadline as the page shows it.
type slaClock struct {
	Label    string // key of messages
	Due      [2]string
	Left     string // "还剩 2 小时 5 分" / "超时 30 分"; empty once met
	Met      bool
	Breached bool
}

func (s *slaDoc) policyName() string {
	var name string
	if json.Unmarshal(s.Policy, &name) == nil {
		return name
	}
	var o struct {
		Name string `json:"name"`
		ID   int64  `json:"id"`
	}
	if json.Unmarshal(s.Policy, &o) == nil {
		if o.Name != "" {
			return o.Name
		}
		if o.ID != 0 {
			return fmt.Sprintf("#%d", o.ID)
		}
	}
	return ""
}

func (s *slaDoc) clocks(n *namer) []slaClock {
	var out []slaClock
	add := func(label string, due time.Time, met, breached bool) {
		if due.IsZero() {
			return
		}
		c := slaClock{Label: label, Met: met, Breached: breached || (!met && !s.Paused && n.now.After(due))}
		c.Due[0], c.Due[1] = clock(due)
		if !met {
			c.Left = n.remaining(due.Sub(n.now))
		}
		out = append(out, c)
	}
	add("sla.first_response", s.FirstResponseDue, !s.FirstResponseAt.IsZero(), s.FirstResponseBreached)
	add("sla.resolution", s.ResolutionDue, s.Stopped && !s.ResolutionBreached, s.ResolutionBreached)
	return out
}

// remaining words a time left (or, negative, overdue) in the page's language.
func (n *namer) remaining(d time.Duration) string {
	key := "sla.left"
	if d < 0 {
		key, d = "sla.overdue", -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var span string
	switch {
	case days > 0:
		span = fmt.Sprintf(n.tr("sla.dh"), days, hours)
	case hours > 0:
		span = fmt.Sprintf(n.tr("sla.hm"), hours, mins)
	default:
		span = fmt.Sprintf(n.tr("sla.m"), mins)
	}
	return fmt.Sprintf(n.tr(key), span)
}
