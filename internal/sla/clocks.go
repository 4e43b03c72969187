package sla

import "time"

// Targets are what one policy promises, resolved for one ticket.
type Targets struct {
	FirstResponse time.Duration // 0: no first-response clock
	Resolution    time.Duration // 0: no resolution clock
	WarnPercent   int           // warn when this share of a target has passed (1–99) …
	WarnBefore    time.Duration // … or this long before the due moment, when set
}

// warnAt is the business time into a target at which to warn.
func (t Targets) warnAt(target time.Duration) time.Duration {
	if t.WarnBefore > 0 {
		return max(target-t.WarnBefore, 0)
	}
	pct := t.WarnPercent
	if pct <= 0 || pct >= 100 {
		pct = 80
	}
	return target * time.Duration(pct) / 100
}

// Step is one status change of a ticket, in order.
type Step struct {
	At       time.Time
	From, To string
}

// Statuses the clocks react to (the ticket package's names).
const (
	accepted  = "accepted"
	waiting   = "waiting"
	resolved  = "resolved"
	closed    = "closed"
	cancelled = "cancelled"
	progress  = "in_progress"
)

// State is where a ticket's clocks stand. Zero times mean "not set".
type State struct {
	Cycle           int       // resolution cycle: 1, and one more per reopen
	CycleStart      time.Time // when the current resolution clock started
	FirstResponseAt time.Time
	FirstDue        time.Time
	FirstWarn       time.Time
	ResolutionDue   time.Time
	ResolutionWarn  time.Time
	PausedSince     time.Time     // 待反馈: the resolution clock stands still
	StoppedAt       time.Time     // 已解决/已取消/已关闭: the resolution clock ended
	Paused          time.Duration // business time paused in this cycle (extends the due)
}

// Frozen is when the resolution clock stopped moving, paused or stopped.
func (s State) Frozen() time.Time {
	if !s.StoppedAt.IsZero() {
		return s.StoppedAt
	}
	return s.PausedSince
}

// Replay computes a ticket's clocks from its creation, its status changes
// and the first public comment by staff (zero if none):
//   - first response is met by the first comment or status change away
//     from 已受理, whichever comes first;
//   - the resolution clock stops at 已解决, 已取消 or 已关闭 and starts a new
//     cycle, full target again, when a resolved ticket reopens;
//   - while 待反馈 the resolution clock pauses, and the business time
//     paused moves its due (and warning) later; a pause that begins after
//     the due moment moves nothing, a breach stays a breach.
func Replay(k *Clock, t Targets, created time.Time, steps []Step, firstComment time.Time) State {
	s := State{Cycle: 1, CycleStart: created}
	for _, st := range steps {
		if s.FirstResponseAt.IsZero() && st.From == accepted && st.To != accepted {
			s.FirstResponseAt = st.At
		}
		s.apply(k, t, st)
	}
	if !firstComment.IsZero() && (s.FirstResponseAt.IsZero() || firstComment.Before(s.FirstResponseAt)) {
		s.FirstResponseAt = firstComment
	}
	if t.FirstResponse > 0 {
		s.FirstDue = k.Add(created, t.FirstResponse)
		s.FirstWarn = k.Add(created, t.warnAt(t.FirstResponse))
	}
	s.dues(k, t)
	return s
}

func (s *State) apply(k *Clock, t Targets, st Step) {
	switch {
	case st.From == resolved && st.To == progress: // reopened: a new cycle
		*s = State{Cycle: s.Cycle + 1, CycleStart: st.At, FirstResponseAt: s.FirstResponseAt}
		return
	case !s.StoppedAt.IsZero():
		return
	}
	if st.From == waiting || isStop(st.To) {
		s.resume(k, t, st.At)
	}
	switch {
	case isStop(st.To):
		s.StoppedAt = st.At
	case st.To == waiting && s.PausedSince.IsZero():
		s.PausedSince = st.At
	}
}

// resume ends a pause at at, counting it unless the clock had run out.
func (s *State) resume(k *Clock, t Targets, at time.Time) {
	if s.PausedSince.IsZero() {
		return
	}
	s.dues(k, t)
	if t.Resolution > 0 && s.PausedSince.Before(s.ResolutionDue) {
		s.Paused += k.Between(s.PausedSince, at)
	}
	s.PausedSince = time.Time{}
}

// dues sets the resolution due and warning from the cycle start, target
// and paused time.
func (s *State) dues(k *Clock, t Targets) {
	if t.Resolution <= 0 {
		s.ResolutionDue, s.ResolutionWarn = time.Time{}, time.Time{}
		return
	}
	s.ResolutionDue = k.Add(s.CycleStart, t.Resolution+s.Paused)
	s.ResolutionWarn = k.Add(s.CycleStart, t.warnAt(t.Resolution)+s.Paused)
}

func isStop(status string) bool { return status == resolved || status == cancelled || status == closed }

// FirstBreached reports whether the first response came, or is still
// missing at now, after its due moment.
func (s State) FirstBreached(now time.Time) bool {
	if s.FirstDue.IsZero() {
		return false
	}
	if !s.FirstResponseAt.IsZero() {
		return s.FirstResponseAt.After(s.FirstDue)
	}
	return !now.Before(s.FirstDue) && s.StoppedAt.IsZero()
}

// ResolutionBreached reports whether the resolution clock ran past its due
// moment: by now if running, by the moment it froze otherwise.
func (s State) ResolutionBreached(now time.Time) bool {
	if s.ResolutionDue.IsZero() {
		return false
	}
	at := now
	if f := s.Frozen(); !f.IsZero() {
		at = f
	}
	return !at.Before(s.ResolutionDue)
}

// Remaining is the business time left on the resolution clock at now
// (negative: overdue by that much wall time); frozen clocks count from
// the moment they froze.
func (s State) Remaining(k *Clock, now time.Time) time.Duration {
	if s.ResolutionDue.IsZero() {
		return 0
	}
	at := now
	if f := s.Frozen(); !f.IsZero() {
		at = f
	}
	if at.After(s.ResolutionDue) {
		return -at.Sub(s.ResolutionDue)
	}
	return k.Between(at, s.ResolutionDue)
}
