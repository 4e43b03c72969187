package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Set is an ordered rule list compiled for evaluation. It is immutable and
// safe for concurrent use; build a new one whenever the rules change and swap
// it in (e.g. with atomic.Pointer) rather than editing it.
type Set struct {
	rules    []compiledRule // evaluation order
	ac       *automaton     // nil when no rule has keywords
	keywords []string       // distinct lower-cased keywords, indexed by keyword id
	uses     [][]kwUse      // per keyword id: the rules and groups that use it
	ungated  []uint64       // bitset of rules that need no keyword hit to be candidates
	pool     sync.Pool      // *scratch sized for this set
}

// Keyword groups of a rule, as recorded against each keyword.
const (
	groupAny uint8 = iota
	groupAll
	groupNone
)

// kwUse says rule (an index into Set.rules) uses a keyword in group.
type kwUse struct {
	rule  int32
	group uint8
}

// compiledRule is a Rule with its conditions turned into O(1) checks.
type compiledRule struct {
	rule                                          Rule // with defaults applied
	channels, convs, senders, senderOUs, orgUnits map[int64]struct{}
	channelKinds, mentions                        map[string]struct{}
	kinds                                         uint8 // bit per kind; 0 = any
	regexes                                       []*regexp.Regexp
	hasAny, hasNone                               bool
	nAll                                          uint16 // distinct All keywords
	window                                        window
	shown                                         []shownKeyword // Any/All keywords, to report hits
}

// shownKeyword pairs a keyword id with the spelling the rule used.
type shownKeyword struct {
	id   int32
	text string
}

// kindBits gives each message kind one bit of compiledRule.kinds.
var kindBits = map[string]uint8{"text": 1, "image": 2, "file": 4, "voice": 8, "video": 16, "card": 32, "card_action": 64}

// Compile validates rules and builds a Set. Disabled rules are left out;
// the rest are evaluated by ascending Position, ties in list order. A dry run
// of a draft rule compiles it with Enabled set. Errors are *ValidationError
// with Rule set to the index in rules.
func Compile(rules []Rule) (*Set, error) {
	if err := validateList(rules); err != nil {
		return nil, err
	}
	order := make([]int, 0, len(rules))
	for i, r := range rules {
		if r.Enabled {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return rules[a].Position - rules[b].Position })
	b := &builder{set: &Set{}, ids: map[string]int32{}}
	for _, i := range order {
		if err := b.add(rules[i]); err != nil {
			return nil, &ValidationError{Rule: i, Name: rules[i].Name, Pos: -1, Msg: err.Error()}
		}
	}
	return b.finish(), nil
}

// validateList validates each rule and refuses repeated ids.
func validateList(rules []Rule) error {
	seen := map[int64]int{}
	for i, r := range rules {
		if err := validateRule(r); err != nil {
			err.Rule, err.Name = i, r.Name
			return err
		}
		if j, dup := seen[r.ID]; dup && r.ID != 0 {
			return &ValidationError{Rule: i, Name: r.Name, Field: "id", Pos: -1,
				Msg: fmt.Sprintf("id %d is also used by rules[%d]", r.ID, j)}
		}
		seen[r.ID] = i
	}
	return nil
}

// builder accumulates the keyword table while rules are added in order.
type builder struct {
	set *Set
	ids map[string]int32 // lower-cased keyword → id
}

// add compiles one validated rule and appends it to the set.
func (b *builder) add(r Rule) error {
	r = withDefaults(r)
	c := compiledRule{
		rule: r, channels: idSet(r.Conditions.ChannelIDs), convs: idSet(r.Conditions.ConversationIDs),
		senders: idSet(r.Conditions.SenderIDs), senderOUs: idSet(r.Conditions.SenderOrgUnits),
		orgUnits: idSet(r.Conditions.OrgUnits), channelKinds: strSet(r.Conditions.ChannelKinds),
		mentions: strSet(r.Conditions.Mentions),
	}
	for _, k := range r.Conditions.Kinds {
		c.kinds |= kindBits[string(k)]
	}
	for _, p := range r.Conditions.Regex {
		c.regexes = append(c.regexes, regexp.MustCompile(p)) // validated above
	}
	w, err := compileWindow(r.Conditions.Time)
	if err != nil {
		return err
	}
	c.window = w
	idx := int32(len(b.set.rules))
	kw := r.Conditions.Keywords
	c.hasAny, c.hasNone = len(kw.Any) > 0, len(kw.None) > 0
	c.shown = append(b.addGroup(idx, groupAny, kw.Any), b.addGroup(idx, groupAll, kw.All)...)
	c.nAll = uint16(len(dedupeLower(kw.All)))
	b.addGroup(idx, groupNone, kw.None)
	b.set.rules = append(b.set.rules, c)
	return nil
}

// addGroup registers a rule's keywords of one group, each distinct keyword
// once, and returns them with their ids.
func (b *builder) addGroup(rule int32, group uint8, words []string) []shownKeyword {
	var shown []shownKeyword
	seen := map[int32]bool{}
	for _, w := range words {
		low := strings.ToLower(w)
		id, ok := b.ids[low]
		if !ok {
			id = int32(len(b.set.keywords))
			b.ids[low] = id
			b.set.keywords = append(b.set.keywords, low)
			b.set.uses = append(b.set.uses, nil)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		b.set.uses[id] = append(b.set.uses[id], kwUse{rule: rule, group: group})
		shown = append(shown, shownKeyword{id: id, text: w})
	}
	return shown
}

// finish builds the automaton and the candidate bitset.
func (b *builder) finish() *Set {
	s := b.set
	if len(s.keywords) > 0 {
		s.ac = buildAutomaton(s.keywords)
	}
	s.ungated = make([]uint64, (len(s.rules)+63)/64)
	for i, c := range s.rules {
		if !c.hasAny && c.nAll == 0 {
			s.ungated[i/64] |= 1 << (i % 64)
		}
	}
	s.pool.New = func() any { return newScratch(s) }
	return s
}

// withDefaults fills in what an empty field means, so Match carries the
// values the effects will actually use.
func withDefaults(r Rule) Rule {
	if r.Actions.Notify == NotifyDigest && r.Actions.DigestInterval == 0 {
		r.Actions.DigestInterval = Duration(DefaultDigestInterval)
	}
	if !r.Actions.Task.IsZero() && r.Actions.Task.Title == "" {
		r.Actions.Task.Title = r.Name
	}
	if !r.Conditions.Time.IsZero() && r.Conditions.Time.TZ == "" {
		r.Conditions.Time.TZ = DefaultTZ
	}
	return r
}

// idSet returns ids as a set, nil (no restriction) when empty.
func idSet(ids []int64) map[int64]struct{} {
	if len(ids) == 0 {
		return nil
	}
	m := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// strSet returns the lower-cased strings as a set, nil when empty.
func strSet(v []string) map[string]struct{} {
	if len(v) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(v))
	for _, s := range dedupeLower(v) {
		m[s] = struct{}{}
	}
	return m
}

// dedupeLower lower-cases and removes repeats, keeping order.
func dedupeLower(v []string) []string {
	out := make([]string, 0, len(v))
	for _, s := range v {
		if l := strings.ToLower(s); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// window is a compiled TimeWindow.
type window struct {
	on       bool
	loc      *time.Location
	days     uint8 // bit per weekday; 0 = every day
	from, to int   // minutes after midnight; from < 0 = all day
}

// compileWindow resolves the time zone and clock times once per rule.
func compileWindow(t TimeWindow) (window, error) {
	if t.IsZero() {
		return window{}, nil
	}
	w := window{on: true, from: -1}
	loc, err := loadLocation(t.TZ)
	if err != nil {
		return w, fmt.Errorf("conditions.time.tz: %w", err)
	}
	w.loc = loc
	for _, d := range t.Weekdays {
		w.days |= 1 << d
	}
	if t.From != "" {
		w.from, _ = parseClock(t.From, false) // validated above
		w.to, _ = parseClock(t.To, true)
	}
	return w, nil
}

// contains reports whether instant at falls in the window. An unknown time
// (zero) never does, so a time-bound rule cannot fire by accident.
func (w *window) contains(at time.Time) bool {
	if !w.on {
		return true
	}
	if at.IsZero() {
		return false
	}
	lt := at.In(w.loc)
	minute, day := lt.Hour()*60+lt.Minute(), lt.Weekday()
	switch {
	case w.from < 0:
	case w.from < w.to:
		if minute < w.from || minute >= w.to {
			return false
		}
	case minute >= w.from:
	case minute < w.to:
		day = (day + 6) % 7 // the night belongs to the evening it started on
	default:
		return false
	}
	return w.days == 0 || w.days&(1<<day) != 0
}
