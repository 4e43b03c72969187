package rules

import (
	"math/bits"
	"strings"
	"time"

	"switchboard/internal/model"
)

// Input is what rules look at in one message. Fields the store does not keep
// on model.Message (the sender's org unit, mentions, ancestors) come from the
// processor that resolved them.
type Input struct {
	MessageID      int64
	ChannelID      int64
	ChannelKind    string
	ConversationID int64
	SenderID       int64 // person id; 0 when the sender is not linked to a person
	SenderOrgUnit  int64
	OrgUnitID      int64 // the message's (conversation's) org unit
	Kind           model.MessageKind
	Text           string
	Mentions       []string // ids or names mentioned, e.g. "@all", a user id
	SentAt         time.Time

	// Optional ancestors of SenderOrgUnit and OrgUnitID, so a condition on a
	// department also matches messages of its teams.
	SenderOrgAncestors []int64
	OrgAncestors       []int64
}

// FromMessage fills an Input from a stored message; the caller adds what the
// message row does not carry (SenderOrgUnit, Mentions, ancestors).
func FromMessage(m *model.Message) Input {
	return Input{
		MessageID: m.ID, ChannelID: m.ChannelID, ChannelKind: m.ChannelKind,
		ConversationID: m.ConversationID, SenderID: m.SenderID, OrgUnitID: m.OrgUnitID,
		Kind: m.Kind, Text: m.Text, SentAt: m.SentAt,
	}
}

// Match is one rule that matched, in evaluation order. Actions are the
// rule's with defaults applied; they share memory with the Set, so treat
// them as read-only.
type Match struct {
	RuleID   int64    `json:"rule_id"`
	Name     string   `json:"name"`
	Position int      `json:"position"`
	Keywords []string `json:"keywords,omitempty"` // Any/All keywords found, for highlighting
	Actions  Actions  `json:"actions"`
	Stop     bool     `json:"stop,omitempty"`
}

// scratch is per-evaluation state, pooled so evaluation does not allocate
// arrays the size of the rule set for every message.
type scratch struct {
	gen     uint32
	kwGen   []uint32    // kwGen[k] == gen: keyword k was found in this message
	state   []ruleState // valid for rule r when state[r].gen == gen
	cand    []uint64    // rules worth checking: ungated ∪ hit by a keyword
	matched []int32     // rules matched so far, in order
}

// ruleState counts a rule's keyword hits in the current message.
type ruleState struct {
	gen       uint32
	all       uint16
	any, none bool
}

// newScratch sizes scratch space for s.
func newScratch(s *Set) any {
	return &scratch{
		kwGen: make([]uint32, len(s.keywords)),
		state: make([]ruleState, len(s.rules)),
		cand:  make([]uint64, len(s.ungated)),
	}
}

// next starts a new message; the generation counter spares clearing arrays.
func (sc *scratch) next() {
	sc.gen++
	if sc.gen == 0 {
		clear(sc.kwGen)
		clear(sc.state)
		sc.gen = 1
	}
}

// Len returns the number of enabled rules in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Evaluate returns the rules that match in, in order, stopping after the
// first matching rule with Stop. A nil Set matches nothing.
func (s *Set) Evaluate(in Input) []Match {
	if s.Len() == 0 {
		return nil
	}
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	sc.next()
	copy(sc.cand, s.ungated)
	if s.ac != nil && in.Text != "" {
		s.ac.scan(foldText(in.Text), func(kw int32) { s.hit(sc, kw) })
	}
	sc.matched = sc.matched[:0]
	for w, word := range sc.cand {
		for word != 0 {
			r := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			c := &s.rules[r]
			if !c.matches(&in, sc.state[r], sc.gen) {
				continue
			}
			sc.matched = append(sc.matched, int32(r))
			if c.rule.Stop {
				return s.results(sc)
			}
		}
	}
	return s.results(sc)
}

// hit records keyword kw, once per message, against every rule using it.
func (s *Set) hit(sc *scratch, kw int32) {
	if sc.kwGen[kw] == sc.gen {
		return
	}
	sc.kwGen[kw] = sc.gen
	for _, u := range s.uses[kw] {
		st := &sc.state[u.rule]
		if st.gen != sc.gen {
			*st = ruleState{gen: sc.gen}
		}
		switch u.group {
		case groupAny:
			st.any = true
		case groupAll:
			st.all++
		case groupNone:
			st.none = true
			continue // a None keyword alone never makes a rule a candidate
		}
		sc.cand[u.rule/64] |= 1 << (u.rule % 64)
	}
}

// results builds the matches in two allocations however many there are:
// one for the Match values and one shared by their Keywords.
func (s *Set) results(sc *scratch) []Match {
	if len(sc.matched) == 0 {
		return nil
	}
	out := make([]Match, len(sc.matched))
	n := 0
	for _, r := range sc.matched {
		for _, k := range s.rules[r].shown {
			if sc.kwGen[k.id] == sc.gen {
				n++
			}
		}
	}
	words := make([]string, 0, n)
	for i, r := range sc.matched {
		c := &s.rules[r]
		start := len(words)
		for _, k := range c.shown {
			if sc.kwGen[k.id] == sc.gen {
				words = append(words, k.text)
			}
		}
		out[i] = Match{RuleID: c.rule.ID, Name: c.rule.Name, Position: c.rule.Position,
			Actions: c.rule.Actions, Stop: c.rule.Stop}
		if len(words) > start {
			out[i].Keywords = words[start:len(words):len(words)] // capped: appending copies
		}
	}
	return out
}

// matches checks every condition, cheapest first; regexes run last and only
// for rules that passed everything else.
func (c *compiledRule) matches(in *Input, st ruleState, gen uint32) bool {
	if st.gen != gen {
		st = ruleState{}
	}
	if (c.hasAny && !st.any) || st.all < c.nAll || (c.hasNone && st.none) {
		return false
	}
	if !inSet(c.channels, in.ChannelID) || !inSet(c.convs, in.ConversationID) ||
		!inSet(c.senders, in.SenderID) ||
		!inSet(c.senderOUs, in.SenderOrgUnit, in.SenderOrgAncestors...) ||
		!inSet(c.orgUnits, in.OrgUnitID, in.OrgAncestors...) {
		return false
	}
	if c.kinds != 0 && c.kinds&kindBits[string(in.Kind)] == 0 {
		return false
	}
	if c.channelKinds != nil {
		if _, ok := c.channelKinds[strings.ToLower(in.ChannelKind)]; !ok {
			return false
		}
	}
	if !c.mentioned(in.Mentions) || !c.window.contains(in.SentAt) {
		return false
	}
	return c.regexMatch(in.Text)
}

// inSet reports whether set is unrestricted or holds id or one of more.
func inSet(set map[int64]struct{}, id int64, more ...int64) bool {
	if set == nil {
		return true
	}
	if _, ok := set[id]; ok {
		return true
	}
	for _, a := range more {
		if _, ok := set[a]; ok {
			return true
		}
	}
	return false
}

// mentioned reports whether one of the rule's mentions is among the message's.
func (c *compiledRule) mentioned(ms []string) bool {
	if c.mentions == nil {
		return true
	}
	for _, m := range ms {
		if _, ok := c.mentions[strings.ToLower(m)]; ok {
			return true
		}
	}
	return false
}

// regexMatch reports whether any of the rule's regexes matches (or it has none).
func (c *compiledRule) regexMatch(text string) bool {
	if len(c.regexes) == 0 {
		return true
	}
	for _, re := range c.regexes {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}
