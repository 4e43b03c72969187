package console

import (
	"strconv"
	"strings"

	"switchboard/internal/rules"
)

// summaryItem is one line of a rule's summary: a translated label and the
// values it applies to ("" for a flag such as "urgent").
type summaryItem struct {
	Label, Value string
}

// summary builds items in one language. A key missing from the language
// shows as itself, and TestRuleSummariesAreTranslated catches that.
type summary struct {
	dict  map[string]string
	items []summaryItem
}

func newSummary(lang string) *summary { return &summary{dict: messages[lang]} }

func (s *summary) word(key string) string {
	if w, ok := s.dict[key]; ok {
		return w
	}
	return key
}

// add appends key's label with values, unless there are none.
func (s *summary) add(key string, values ...string) {
	if len(values) > 0 {
		s.items = append(s.items, summaryItem{Label: s.word(key), Value: strings.Join(values, ", ")})
	}
}

// flag appends a label without values when on.
func (s *summary) flag(key string, on bool) {
	if on {
		s.items = append(s.items, summaryItem{Label: s.word(key)})
	}
}

func ids(prefix string, v []int64) []string {
	out := make([]string, len(v))
	for i, id := range v {
		out[i] = prefix + strconv.FormatInt(id, 10)
	}
	return out
}

// conditionSummary says in words which messages a rule selects.
func conditionSummary(c rules.Conditions, lang string) []summaryItem {
	s := newSummary(lang)
	s.add("rules.c.channels", ids("#", c.ChannelIDs)...)
	s.add("rules.c.channel_kinds", c.ChannelKinds...)
	s.add("rules.c.conversations", ids("#", c.ConversationIDs)...)
	s.add("rules.c.senders", ids("#", c.SenderIDs)...)
	s.add("rules.c.sender_units", ids("#", c.SenderOrgUnits)...)
	s.add("rules.c.units", ids("#", c.OrgUnits)...)
	kinds := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		kinds[i] = s.word(kindKey(k))
	}
	s.add("rules.c.kinds", kinds...)
	s.add("rules.c.any", c.Keywords.Any...)
	s.add("rules.c.all", c.Keywords.All...)
	s.add("rules.c.none", c.Keywords.None...)
	s.add("rules.c.regex", c.Regex...)
	s.add("rules.c.mentions", c.Mentions...)
	if !c.Time.IsZero() {
		s.add("rules.c.time", s.window(c.Time))
	}
	if len(s.items) == 0 {
		s.flag("rules.c.every", true)
	}
	return s.items
}

// window renders a time window as "周一 周五 09:00–18:00 Asia/Shanghai".
func (s *summary) window(w rules.TimeWindow) string {
	var parts []string
	for _, d := range w.Weekdays {
		parts = append(parts, s.word("day."+strconv.Itoa(int(d))))
	}
	if w.From != "" {
		parts = append(parts, w.From+"–"+w.To)
	}
	tz := w.TZ
	if tz == "" {
		tz = rules.DefaultTZ
	}
	return strings.Join(append(parts, tz), " ")
}

// actionSummary says what a rule does, through the same merge the intake
// applies, so the list shows effective values (such as the default digest
// interval) rather than what happened to be written.
func actionSummary(a rules.Actions, stop bool, lang string) []summaryItem {
	items := outcomeSummary(rules.Merge([]rules.Match{{Actions: a}}), lang)
	if stop {
		s := newSummary(lang)
		s.flag("rules.a.stop", true)
		items = append(items, s.items...)
	}
	return items
}

// outcomeSummary says what matched rules would do to a message.
func outcomeSummary(o rules.Outcome, lang string) []summaryItem {
	s := newSummary(lang)
	s.add("rules.a.tags", o.Tags...)
	if o.Category != "" {
		s.add("rules.a.category", o.Category)
	}
	if o.Priority != "" {
		s.add("rules.a.priority", o.Priority)
	}
	s.flag("rules.a.urgent", o.Urgent)
	for _, r := range o.Routes {
		s.add("rules.a.route", s.route(r))
	}
	s.flag("rules.a.notify_now", o.Notify == rules.NotifyNow)
	if o.Notify == rules.NotifyDigest {
		s.add("rules.a.digest", o.DigestInterval.String())
	}
	if o.Task != nil {
		s.add("rules.a.task", strings.TrimSpace(o.Task.Title+" "+s.word("rules.a.deadline")+" "+o.Task.Deadline.String()))
	}
	if o.Ticket != nil {
		s.add("rules.a.ticket", o.Ticket.String())
	}
	if o.RetentionClass != "" {
		s.add("rules.a.retention", o.RetentionClass)
	}
	s.flag("rules.a.confidential", o.Confidential)
	if o.AutoReply != "" {
		s.add("rules.a.auto_reply", o.AutoReply)
	}
	return s.items
}

// route names a route's target: unit, role within it, or person.
func (s *summary) route(r rules.Route) string {
	var parts []string
	if r.OrgUnitID != 0 {
		parts = append(parts, s.word("rules.route.unit")+" #"+strconv.FormatInt(r.OrgUnitID, 10))
	}
	if r.Role != "" {
		parts = append(parts, s.word("rules.route.role")+" "+r.Role)
	}
	if r.PersonID != 0 {
		parts = append(parts, s.word("rules.route.person")+" #"+strconv.FormatInt(r.PersonID, 10))
	}
	return strings.Join(parts, " ")
}
