package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that keep one rule from making the compiled set slow or huge.
const (
	MaxNameLen    = 200  // runes
	MaxKeywordLen = 100  // runes
	MaxRegexLen   = 1000 // bytes
	MaxListLen    = 1000 // entries in any one list
	MaxTextLen    = 2000 // runes, for auto-reply and other free text
)

// ValidationError says which field of which rule is wrong. The HTTP edge
// answers 400 with its Error() text.
type ValidationError struct {
	Rule  int    // index in the list given to Compile/UnmarshalYAML; -1 for a single rule
	Name  string // the rule's name, for messages about a list
	Field string // path such as "conditions.regex[1]"
	Pos   int    // byte offset of a regex error in the pattern; -1 otherwise
	Msg   string
}

// Error renders "conditions.regex[1]: missing closing ): at position 7",
// prefixed with "rules[3] (name): " when the rule came in a list.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Rule >= 0 {
		fmt.Fprintf(&b, "rules[%d] (%q): ", e.Rule, e.Name)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	if e.Pos >= 0 {
		fmt.Fprintf(&b, ": at position %d", e.Pos)
	}
	return b.String()
}

// fieldErr builds the error for a single rule; Compile fills in Rule and Name.
func fieldErr(field, format string, args ...any) *ValidationError {
	return &ValidationError{Rule: -1, Field: field, Pos: -1, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks one rule and returns the first problem as a *ValidationError.
func Validate(r Rule) error {
	if err := validateRule(r); err != nil {
		return err
	}
	return nil
}

// validateRule keeps the typed nil out of the error interface in Validate.
func validateRule(r Rule) *ValidationError {
	name := strings.TrimSpace(r.Name)
	switch {
	case name == "":
		return fieldErr("name", "required")
	case utf8.RuneCountInString(r.Name) > MaxNameLen:
		return fieldErr("name", "longer than %d characters", MaxNameLen)
	case r.Position < 0:
		return fieldErr("position", "must not be negative")
	}
	if err := validateConditions(r.Conditions); err != nil {
		return err
	}
	if err := validateActions(r.Actions); err != nil {
		return err
	}
	if isNoop(r.Actions) && !r.Stop {
		return fieldErr("actions", "the rule does nothing: set at least one action or stop")
	}
	return nil
}

// validateConditions checks every condition kind.
func validateConditions(c Conditions) *ValidationError {
	if err := validateLists(c); err != nil {
		return err
	}
	if err := validateStrings("conditions.channel_kinds", c.ChannelKinds, 64); err != nil {
		return err
	}
	if err := validateStrings("conditions.mentions", c.Mentions, 200); err != nil {
		return err
	}
	for i, k := range c.Kinds {
		if !k.Valid() {
			return fieldErr(fmt.Sprintf("conditions.kinds[%d]", i),
				"unknown message kind %q (text, image, file, voice, video, card)", k)
		}
	}
	if err := validateKeywords(c.Keywords); err != nil {
		return err
	}
	for i, p := range c.Regex {
		if err := validateRegex(fmt.Sprintf("conditions.regex[%d]", i), p); err != nil {
			return err
		}
	}
	return validateWindow(c.Time)
}

// validateLists bounds every list and refuses ids that name nothing.
func validateLists(c Conditions) *ValidationError {
	lists := []struct {
		field string
		n     int
	}{
		{"channel_ids", len(c.ChannelIDs)}, {"channel_kinds", len(c.ChannelKinds)},
		{"conversation_ids", len(c.ConversationIDs)}, {"sender_ids", len(c.SenderIDs)},
		{"sender_org_units", len(c.SenderOrgUnits)}, {"org_units", len(c.OrgUnits)},
		{"kinds", len(c.Kinds)}, {"regex", len(c.Regex)}, {"mentions", len(c.Mentions)},
		{"keywords.any", len(c.Keywords.Any)}, {"keywords.all", len(c.Keywords.All)},
		{"keywords.none", len(c.Keywords.None)},
	}
	for _, l := range lists {
		if l.n > MaxListLen {
			return fieldErr("conditions."+l.field, "more than %d entries", MaxListLen)
		}
	}
	for _, ids := range []struct {
		field string
		v     []int64
	}{{"channel_ids", c.ChannelIDs}, {"conversation_ids", c.ConversationIDs},
		{"sender_ids", c.SenderIDs}, {"sender_org_units", c.SenderOrgUnits}, {"org_units", c.OrgUnits}} {
		if i := slices.IndexFunc(ids.v, func(id int64) bool { return id <= 0 }); i >= 0 {
			return fieldErr(fmt.Sprintf("conditions.%s[%d]", ids.field, i), "must be a positive id")
		}
	}
	return nil
}

// validateStrings refuses empty or over-long entries, which would never match.
func validateStrings(field string, v []string, maxLen int) *ValidationError {
	for i, s := range v {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case strings.TrimSpace(s) == "":
			return fieldErr(f, "must not be empty")
		case !utf8.ValidString(s):
			return fieldErr(f, "not valid UTF-8")
		case utf8.RuneCountInString(s) > maxLen:
			return fieldErr(f, "longer than %d characters", maxLen)
		}
	}
	return nil
}

// validateKeywords refuses blank keywords: an empty keyword occurs in every
// text, so "any" would match everything and "none" nothing.
func validateKeywords(k Keywords) *ValidationError {
	for _, g := range []struct {
		field string
		v     []string
	}{{"any", k.Any}, {"all", k.All}, {"none", k.None}} {
		if err := validateStrings("conditions.keywords."+g.field, g.v, MaxKeywordLen); err != nil {
			return err
		}
	}
	return nil
}

// validateWindow checks the clock times, days and time zone.
func validateWindow(w TimeWindow) *ValidationError {
	if (w.From == "") != (w.To == "") {
		return fieldErr("conditions.time", "from and to must be set together")
	}
	if w.From != "" {
		from, err := parseClock(w.From, false)
		if err != nil {
			return fieldErr("conditions.time.from", "%v", err)
		}
		to, err := parseClock(w.To, true)
		if err != nil {
			return fieldErr("conditions.time.to", "%v", err)
		}
		if from == to {
			return fieldErr("conditions.time", "from and to are equal: the window would be empty")
		}
	}
	for i, d := range w.Weekdays {
		if d < time.Sunday || d > time.Saturday {
			return fieldErr(fmt.Sprintf("conditions.time.weekdays[%d]", i), "invalid weekday %d", d)
		}
	}
	if _, err := loadLocation(w.TZ); err != nil {
		return fieldErr("conditions.time.tz", "unknown time zone %q", w.TZ)
	}
	return nil
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" only as an end.
func parseClock(s string, end bool) (int, error) {
	digit := func(i int) int { return int(s[i]) - '0' }
	if len(s) != 5 || s[2] != ':' || strings.Trim(s[:2]+s[3:], "0123456789") != "" {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, m := digit(0)*10+digit(1), digit(3)*10+digit(4)
	if end && h == 24 && m == 0 {
		return 24 * 60, nil
	}
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

// validateActions checks every action kind.
func validateActions(a Actions) *ValidationError {
	if err := validateStrings("actions.tags", a.Tags, 64); err != nil {
		return err
	}
	if len(a.Tags) > MaxListLen {
		return fieldErr("actions.tags", "more than %d entries", MaxListLen)
	}
	if a.Priority != "" && !slices.Contains(Priorities, a.Priority) {
		return fieldErr("actions.priority", "%q is not one of P1, P2, P3, P4", a.Priority)
	}
	switch a.Notify {
	case "", NotifyNow, NotifyDigest:
	default:
		return fieldErr("actions.notify", "%q is not one of now, digest", a.Notify)
	}
	for i, id := range a.Via {
		if id <= 0 {
			return fieldErr(fmt.Sprintf("actions.via[%d]", i), "must be a channel id")
		}
	}
	if a.DigestInterval < 0 || (a.DigestInterval > 0 && a.DigestInterval.D() < time.Minute) {
		return fieldErr("actions.digest_interval", "must be at least 1m")
	}
	if a.DigestInterval > 0 && a.Notify != NotifyDigest {
		return fieldErr("actions.digest_interval", "only applies with notify: digest")
	}
	if !a.Task.IsZero() && a.Task.Deadline.D() < time.Minute {
		return fieldErr("actions.task.deadline", "required, at least 1m")
	}
	if err := validateTicket(a.Ticket); err != nil {
		return err
	}
	if !a.Ticket.IsZero() && !a.Task.IsZero() {
		return fieldErr("actions.ticket", "a rule makes a ticket or a task, not both: a message is the source of one ticket")
	}
	if r := a.RouteTo; r.OrgUnitID < 0 || r.PersonID < 0 {
		return fieldErr("actions.route_to", "ids must be positive")
	}
	for _, s := range []struct{ field, v string }{
		{"category", a.Category}, {"retention_class", a.RetentionClass},
		{"task.title", a.Task.Title}, {"auto_reply", a.AutoReply}, {"route_to.role", a.RouteTo.Role},
	} {
		if utf8.RuneCountInString(s.v) > MaxTextLen || !utf8.ValidString(s.v) {
			return fieldErr("actions."+s.field, "not valid UTF-8 or longer than %d characters", MaxTextLen)
		}
	}
	return nil
}

// isNoop reports whether the actions would change nothing.
func isNoop(a Actions) bool {
	return len(a.Tags) == 0 && a.Category == "" && a.Priority == "" && !a.Urgent &&
		a.RouteTo.IsZero() && a.Notify == "" && a.Task.IsZero() && a.RetentionClass == "" &&
		!a.Confidential && a.AutoReply == "" && a.Ticket.IsZero()
}
