package ticket

import (
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func TestSLAOwedEvents(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	clock := store.TicketClock{TicketID: 7, Cycle: 2, FirstWarn: t0.Add(12 * time.Minute), FirstDue: t0.Add(15 * time.Minute),
		ResolutionWarn: t0.Add(3 * time.Hour), ResolutionDue: t0.Add(4 * time.Hour)}
	hourly := model.SLAPolicy{RemindEvery: model.SLADuration(time.Hour)}
	answered := clock
	answered.FirstResponseAt = t0.Add(5 * time.Minute)
	paused := answered
	paused.FrozenAt, paused.Paused = t0.Add(time.Hour), true
	for _, c := range []struct {
		name  string
		c     store.TicketClock
		p     model.SLAPolicy
		at    time.Duration // after t0
		kinds []string
		ns    []int
		next  time.Duration // after t0; -1 none
	}{
		{"nothing yet", clock, hourly, time.Minute, nil, nil, 12 * time.Minute},
		{"first response warning", clock, hourly, 13 * time.Minute, []string{SLAFirstWarning}, []int{0}, 15 * time.Minute},
		{"answered: only the resolution clock", answered, hourly, 13 * time.Minute, nil, nil, 3 * time.Hour},
		{"resolution breach", answered, hourly, 4 * time.Hour, []string{SLAResWarning, SLAResBreach}, []int{0, 0}, 5 * time.Hour},
		{"second reminder, third next", answered, hourly, 6*time.Hour + 30*time.Minute,
			[]string{SLAResWarning, SLAResBreach, SLAResReminder}, []int{0, 0, 2}, 7 * time.Hour},
		{"no reminders without remind_every", answered, model.SLAPolicy{}, 9 * time.Hour, []string{SLAResWarning, SLAResBreach}, []int{0, 0}, -1},
		{"paused: nothing owed", paused, hourly, 9 * time.Hour, nil, nil, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, next := owed(c.c, c.p, t0.Add(c.at))
			var kinds []string
			var ns []int
			for _, e := range evs {
				if e.TicketID != 7 || (e.Cycle != 2 && e.Kind != SLAFirstWarning && e.Kind != SLAFirstBreach) {
					t.Errorf("event %+v: want ticket 7, resolution events in cycle 2", e)
				}
				kinds, ns = append(kinds, e.Kind), append(ns, e.N)
			}
			if !slices.Equal(kinds, c.kinds) || !slices.Equal(ns, c.ns) {
				t.Errorf("owed %v %v, want %v %v", kinds, ns, c.kinds, c.ns)
			}
			want := time.Time{}
			if c.next >= 0 {
				want = t0.Add(c.next)
			}
			if !next.Equal(want) {
				t.Errorf("next %v, want %v", next, want)
			}
		})
	}
}

func TestSLAEscalate(t *testing.T) {
	for _, c := range []struct {
		name           string
		prio, reassign string
		team           int64
		wantPrio       string
		wantAssignee   int64
		entries        int
	}{
		{"P3 up to P2, kept", "P3", "", 5, "P2", 9, 1},
		{"P1 stays, to the lead", "P1", model.SLAReassignLead, 5, "P1", 3, 1},
		{"P4 up, back to the queue", "P4", model.SLAReassignQueue, 5, "P3", 0, 2},
		{"no team: no queue to go back to", "P2", model.SLAReassignQueue, 0, "P1", 9, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := model.Ticket{Priority: c.prio, AssigneeID: 9, TeamID: c.team}
			ch := escalate(&tk, model.SLAPolicy{Reassign: c.reassign}, []int64{3, 4})
			if tk.Priority != c.wantPrio || tk.AssigneeID != c.wantAssignee || len(ch) != c.entries {
				t.Errorf("escalated to %s, assignee %d, %d history entries (%+v); want %s, %d, %d",
					tk.Priority, tk.AssigneeID, len(ch), ch, c.wantPrio, c.wantAssignee, c.entries)
			}
		})
	}
	if got := recipients(model.Ticket{AssigneeID: 9}, SLAResWarning, []int64{3}); !slices.Equal(got, []int64{9}) {
		t.Errorf("warning goes to %v, want the assignee only", got)
	}
	if got := recipients(model.Ticket{AssigneeID: 9}, SLAResBreach, []int64{3}); !slices.Equal(got, []int64{3, 9}) {
		t.Errorf("breach goes to %v, want the lead and the assignee", got)
	}
	if got := recipients(model.Ticket{}, SLAResReminder, []int64{3}); !slices.Equal(got, []int64{3}) {
		t.Errorf("reminder of an unassigned ticket goes to %v, want the lead", got)
	}
}
