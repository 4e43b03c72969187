package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Notification modes.
const (
	NotifyNow    = "now"
	NotifyDigest = "digest"
)

// NotifyRequest is what matching rules ask to happen after a new inbound
// message is stored: notifications (Mode) and an automatic reply. It is
// stored in the intake commit as an intent, so a crash right after the 2xx
// still notifies and replies.
type NotifyRequest struct {
	Mode           string        `json:"mode"` // NotifyNow or NotifyDigest
	Urgent         bool          `json:"urgent,omitempty"`
	Priority       string        `json:"priority,omitempty"`
	DigestInterval time.Duration `json:"digest_interval,omitempty"`
	// Routes name who is told; none means the heads of the message's department.
	Routes  []NotifyRoute `json:"routes,omitempty"`
	RuleIDs []int64       `json:"rule_ids,omitempty"` // the rules that asked
	// AutoReply is text to answer the sender with in their conversation.
	AutoReply string `json:"auto_reply,omitempty"`
	// Via orders the recipients' chains by channel (a rule's fallback chain).
	Via []int64 `json:"via,omitempty"`
	// Task asks for a follow-up task made from the message.
	Task *TaskRequest `json:"task,omitempty"`
	// Ticket asks for the message to become a ticket (or join its sender's open one).
	Ticket *TicketRequest `json:"ticket,omitempty"`
}

// TaskRequest is a rule's "create a follow-up task": its title and the
// deadline counted from the message's time.
type TaskRequest struct {
	Title    string        `json:"title"`
	Deadline time.Duration `json:"deadline"`
}

// NotifyRoute is a team (an org unit) or the holders of a role; a role
// without a unit means that role over the message's own org unit.
type NotifyRoute struct {
	OrgUnitID int64 `json:"org_unit_id,omitempty"`
	Role      Role  `json:"role,omitempty"`
}

// Breaks reports whether the request breaks through quiet hours and
// do-not-disturb: urgent, or priority P1.
func (r NotifyRequest) Breaks() bool { return r.Urgent || r.Priority == "P1" }

// NotifyIntent is a stored request awaiting resolution into notifications.
type NotifyIntent struct {
	ID        int64
	MessageID int64
	Request   NotifyRequest
}

// NotifyHop is one place to reach a user: a channel and the user's id there.
type NotifyHop struct {
	ChannelID   int64  `json:"channel_id"`
	Destination string `json:"destination"`
}

// NotifySettings are a user's notification preferences.
type NotifySettings struct {
	UserID int64 `json:"user_id"`
	// Chain is the preferred channel first, then the fallbacks in order.
	Chain []NotifyHop `json:"chain"`
	// QuietFrom and QuietTo ("HH:MM", in TZ) bound the daily quiet hours;
	// From after To wraps midnight. Empty means none.
	QuietFrom string `json:"quiet_from,omitempty"`
	QuietTo   string `json:"quiet_to,omitempty"`
	TZ        string `json:"tz,omitempty"` // IANA name, default Asia/Shanghai
	DND       bool   `json:"dnd"`          // do not disturb: everything but urgent waits
	// DigestEvery is the personal digest interval; 0 uses the rule's.
	DigestEvery time.Duration `json:"digest_every,omitempty"` // "2h" in JSON
	Highlights  []string      `json:"highlights"`             // keywords highlighted in the inbox
}

// NotificationState is where a notification stands.
type NotificationState string

// Notification states.
const (
	NotificationHeld     NotificationState = "held"     // waiting for its digest or the end of quiet hours
	NotificationQueued   NotificationState = "queued"   // its delivery is in the outbox
	NotificationDigested NotificationState = "digested" // sent inside a digest delivery
	NotificationNoRoute  NotificationState = "no_route" // the user has no channel to reach them
)

// Notification is one message brought to one user's attention.
type Notification struct {
	ID         int64             `json:"id"`
	UserID     int64             `json:"user_id"`
	MessageID  int64             `json:"message_id"`
	Mode       string            `json:"mode"`
	State      NotificationState `json:"state"`
	Reason     string            `json:"reason,omitempty"` // why it is held or how it went
	DueAt      time.Time         `json:"due_at"`
	DeliveryID int64             `json:"delivery_id,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
}

// Alert kinds.
const (
	AlertDeliveryDead = "delivery_dead" // a delivery gave up with no fallback left
)

// Alert is something admins must hear about, sent to every admin's
// notification chain and listed at /api/v1/alerts.
type Alert struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"` // what it is about, e.g. "delivery:12"
	Detail    string    `json:"detail"`
	Done      bool      `json:"sent"` // handed to the admins' channels
	CreatedAt time.Time `json:"created_at"`
}

// notifySettingsJSON is NotifySettings on the wire, where the digest
// interval is written "2h" or "30m", not in nanoseconds.
type notifySettingsJSON struct {
	UserID      int64       `json:"user_id"`
	Chain       []NotifyHop `json:"chain"`
	QuietFrom   string      `json:"quiet_from,omitempty"`
	QuietTo     string      `json:"quiet_to,omitempty"`
	TZ          string      `json:"tz,omitempty"`
	DND         bool        `json:"dnd"`
	DigestEvery any         `json:"digest_every,omitempty"`
	Highlights  []string    `json:"highlights"`
}

// MarshalJSON writes the digest interval as a duration string.
func (s NotifySettings) MarshalJSON() ([]byte, error) {
	j := notifySettingsJSON{UserID: s.UserID, Chain: s.Chain, QuietFrom: s.QuietFrom, QuietTo: s.QuietTo, TZ: s.TZ,
		DND: s.DND, Highlights: s.Highlights}
	if s.DigestEvery > 0 {
		j.DigestEvery = ShortDuration(s.DigestEvery)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the digest interval as "2h" (or nanoseconds).
func (s *NotifySettings) UnmarshalJSON(b []byte) error {
	var j notifySettingsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*s = NotifySettings{UserID: j.UserID, Chain: j.Chain, QuietFrom: j.QuietFrom, QuietTo: j.QuietTo, TZ: j.TZ, DND: j.DND, Highlights: j.Highlights}
	switch v := j.DigestEvery.(type) {
	case nil:
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("digest_every: %q is not a duration such as 2h or 30m", v)
		}
		s.DigestEvery = d
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return fmt.Errorf("digest_every: %v is not a duration", v)
		}
		s.DigestEvery = time.Duration(n)
	default:
		return fmt.Errorf("digest_every: want a duration such as \"2h\"")
	}
	return nil
}

// ShortDuration formats d without zero tails: "2h", "30m", "1h30m".
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
