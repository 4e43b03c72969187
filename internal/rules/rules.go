// Package rules is the storage-free core of Switchboard's message rules: the
// rule types with their JSON/YAML form, validation with field paths (and the
// byte position of regex errors), compilation of an ordered rule list into an
// immutable Set (one Aho–Corasick automaton over every keyword, precompiled
// regexes, set lookups for ids), evaluation of a message against a Set, the
// merge of the matched actions into one Outcome, and dry runs.
//
// Keyword semantics: a keyword is found when it occurs as a substring of the
// message text after both are lower-cased (strings.ToLower). There are no
// word boundaries — Chinese has none to use, and for English "urgent" also
// finds "URGENT!!" and "non-urgent". A rule that needs whole English words uses
// a regex such as (?i)\bAI\b instead. Regexes run on the original text.
//
// Across condition kinds a rule needs every set condition to hold (AND);
// within one list (channel ids, kinds, regexes, mentions…) one entry is enough
// (OR), except Keywords.All and Keywords.None which say so in their names.
package rules

import (
	"time"

	"switchboard/internal/model"
)

// DefaultTZ is the time zone of a time window that names none.
const DefaultTZ = "Asia/Shanghai"

// DefaultDigestInterval is how often a rule's digest is sent when it names no interval.
const DefaultDigestInterval = 2 * time.Hour

// Notify modes for Actions.Notify.
const (
	NotifyNow    = "now"    // push at once, breaking through quiet hours
	NotifyDigest = "digest" // bundle into the rule's periodic digest
)

// Priorities, P1 most urgent. An empty priority leaves the message's priority alone.
var Priorities = []string{"P1", "P2", "P3", "P4"}

// Rule is one ordered rule: when all its conditions hold, its actions apply,
// and with Stop no later rule is looked at.
type Rule struct {
	ID         int64      `json:"id" yaml:"id,omitempty"`
	Name       string     `json:"name" yaml:"name"`
	Enabled    bool       `json:"enabled" yaml:"enabled"`
	Position   int        `json:"position" yaml:"position"`
	Conditions Conditions `json:"conditions" yaml:"conditions,omitempty"`
	Actions    Actions    `json:"actions" yaml:"actions"`
	Stop       bool       `json:"stop" yaml:"stop,omitempty"`
}

// Conditions select messages. An empty field places no restriction.
type Conditions struct {
	ChannelIDs      []int64             `json:"channel_ids,omitempty" yaml:"channel_ids,omitempty"`
	ChannelKinds    []string            `json:"channel_kinds,omitempty" yaml:"channel_kinds,omitempty"`
	ConversationIDs []int64             `json:"conversation_ids,omitempty" yaml:"conversation_ids,omitempty"`
	SenderIDs       []int64             `json:"sender_ids,omitempty" yaml:"sender_ids,omitempty"` // person ids
	SenderOrgUnits  []int64             `json:"sender_org_units,omitempty" yaml:"sender_org_units,omitempty"`
	OrgUnits        []int64             `json:"org_units,omitempty" yaml:"org_units,omitempty"` // the message's org unit
	Kinds           []model.MessageKind `json:"kinds,omitempty" yaml:"kinds,omitempty"`
	Keywords        Keywords            `json:"keywords,omitzero" yaml:"keywords,omitempty"`
	Regex           []string            `json:"regex,omitempty" yaml:"regex,omitempty"`
	Mentions        []string            `json:"mentions,omitempty" yaml:"mentions,omitempty"`
	Time            TimeWindow          `json:"time,omitzero" yaml:"time,omitempty"`
}

// Keywords are matched case-insensitively as substrings of the message text.
type Keywords struct {
	Any  []string `json:"any,omitempty" yaml:"any,omitempty"`   // at least one present
	All  []string `json:"all,omitempty" yaml:"all,omitempty"`   // every one present
	None []string `json:"none,omitempty" yaml:"none,omitempty"` // none present
}

// IsZero reports whether no keyword is set, so encoders can omit the block.
func (k Keywords) IsZero() bool { return len(k.Any)+len(k.All)+len(k.None) == 0 }

// TimeWindow restricts a rule to days and hours in a time zone, e.g. working
// hours. From is inclusive and To exclusive; From after To wraps midnight,
// and then the early-morning part belongs to the day the window opened on, so
// "mon–fri 22:00–06:00" includes Saturday 02:00 but not Monday 02:00.
type TimeWindow struct {
	Weekdays Weekdays `json:"weekdays,omitempty" yaml:"weekdays,omitempty"`
	From     string   `json:"from,omitempty" yaml:"from,omitempty"` // "HH:MM"
	To       string   `json:"to,omitempty" yaml:"to,omitempty"`     // "HH:MM", "24:00" allowed
	TZ       string   `json:"tz,omitempty" yaml:"tz,omitempty"`     // IANA name, default DefaultTZ
}

// IsZero reports whether the window places no restriction.
func (w TimeWindow) IsZero() bool {
	return len(w.Weekdays) == 0 && w.From == "" && w.To == "" && w.TZ == ""
}

// Actions are what a matching rule does to the message.
type Actions struct {
	Tags           []string     `json:"tags,omitempty" yaml:"tags,omitempty"`
	Category       string       `json:"category,omitempty" yaml:"category,omitempty"`
	Priority       string       `json:"priority,omitempty" yaml:"priority,omitempty"` // P1–P4
	Urgent         bool         `json:"urgent,omitempty" yaml:"urgent,omitempty"`
	RouteTo        Route        `json:"route_to,omitzero" yaml:"route_to,omitempty"`
	Notify         string       `json:"notify,omitempty" yaml:"notify,omitempty"`                   // NotifyNow, NotifyDigest or ""
	DigestInterval Duration     `json:"digest_interval,omitempty" yaml:"digest_interval,omitempty"` // default DefaultDigestInterval
	Task           Task         `json:"task,omitzero" yaml:"task,omitempty"`
	Ticket         TicketAction `json:"ticket,omitzero" yaml:"ticket,omitempty"`
	RetentionClass string       `json:"retention_class,omitempty" yaml:"retention_class,omitempty"`
	Confidential   bool         `json:"confidential,omitempty" yaml:"confidential,omitempty"`
	AutoReply      string       `json:"auto_reply,omitempty" yaml:"auto_reply,omitempty"`
	// Via orders the channels a notification tries (e.g. Feishu, then
	// email, then SMS) among those in each recipient's own chain; hops not
	// named follow in the person's order.
	Via []int64 `json:"via,omitempty" yaml:"via,omitempty"`
}

// Route sends the message to a team (org unit), the holders of a role, or a person.
// Role with OrgUnitID means that role within that unit.
type Route struct {
	OrgUnitID int64  `json:"org_unit_id,omitempty" yaml:"org_unit_id,omitempty"`
	Role      string `json:"role,omitempty" yaml:"role,omitempty"`
	PersonID  int64  `json:"person_id,omitempty" yaml:"person_id,omitempty"`
}

// IsZero reports whether the route names no target.
func (r Route) IsZero() bool { return r.OrgUnitID == 0 && r.Role == "" && r.PersonID == 0 }

// Task asks for a follow-up task with a deadline counted from the message's time.
type Task struct {
	Title    string   `json:"title,omitempty" yaml:"title,omitempty"` // default: the rule's name
	Deadline Duration `json:"deadline,omitempty" yaml:"deadline,omitempty"`
}

// IsZero reports whether no task is asked for.
func (t Task) IsZero() bool { return t.Title == "" && t.Deadline == 0 }
