package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/sla"
	"switchboard/internal/store"
)

func testTicketSLASettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.SLAPolicies(ctx); err != nil || ok {
		t.Fatalf("policies on a new store: ok %v, %v; want none set", ok, err)
	}
	p := model.SLAPolicies{Policies: []model.SLAPolicy{{Name: "incident-P1", Type: "incident", Priority: "P1",
		FirstResponse: model.SLADuration(15 * time.Minute), Resolution: model.SLADuration(4 * time.Hour), Calendar: "24x7",
		RemindEvery: model.SLADuration(time.Hour), Reassign: model.SLAReassignLead}}}
	c := model.SLACalendars{Calendars: []sla.Calendar{{Name: "cn", TZ: "Asia/Shanghai", Days: []int{1, 2, 3, 4, 5},
		Hours: []sla.Span{{From: "09:00", To: "12:00"}, {From: "13:30", To: "18:00"}}, Holidays: []string{"2026-10-01"}, Workdays: []string{"2026-10-10"}}}}
	must(t, s.SetSLAPolicies(ctx, p))
	must(t, s.SetSLACalendars(ctx, c))
	gp, ok, err := s.SLAPolicies(ctx)
	if err != nil || !ok || !reflect.DeepEqual(gp, p) {
		t.Errorf("policies = %+v, %v, %v; want %+v", gp, ok, err, p)
	}
	gc, ok, err := s.SLACalendars(ctx)
	if err != nil || !ok || !reflect.DeepEqual(gc, c) {
		t.Errorf("calendars = %+v, %v, %v; want %+v", gc, ok, err, c)
	}
}

func testTicketSLAClocks(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "时钟")})
	owed := func() []int64 {
		ids, err := s.TicketsToClock(ctx, 100)
		must(t, err)
		return ids
	}
	if !slices.Contains(owed(), tk.ID) {
		t.Fatalf("a new ticket is not owed a clock: %v", owed())
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := store.TicketClock{TicketID: tk.ID, Version: tk.Version, Policy: "incident-P2", Cycle: 1, FirstDue: now.Add(time.Hour),
		FirstWarn: now.Add(48 * time.Minute), ResolutionDue: now.Add(8 * time.Hour), ResolutionWarn: now.Add(6 * time.Hour), NextAt: now.Add(-time.Second)}
	must(t, s.SaveTicketClock(ctx, c))
	if slices.Contains(owed(), tk.ID) {
		t.Error("a ticket with a current clock is still owed one")
	}
	got, err := s.TicketClock(ctx, tk.ID)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("clock = %+v, %v; want %+v", got, err, c)
	}
	due, err := s.DueTicketClocks(ctx, now, 10)
	if err != nil || len(due) != 1 || due[0].TicketID != tk.ID {
		t.Errorf("due clocks = %+v, %v; want ticket %d", due, err, tk.ID)
	}
	must(t, s.SetClockNext(ctx, tk.ID, tk.Version+5, time.Time{})) // a stale pass moves nothing
	must(t, s.SetClockNext(ctx, tk.ID, tk.Version, now.Add(time.Hour)))
	if due, _ := s.DueTicketClocks(ctx, now, 10); len(due) != 0 {
		t.Errorf("clock moved to next hour is still due: %+v", due)
	}
	tk.Title = "时钟 2"
	tk, err = s.UpdateTicket(ctx, tk, nil)
	must(t, err)
	if !slices.Contains(owed(), tk.ID) {
		t.Error("a changed ticket is not owed a new clock")
	}
	older := c
	older.Policy, older.Version = "stale", c.Version-1
	must(t, s.SaveTicketClock(ctx, older))
	if got, _ := s.TicketClock(ctx, tk.ID); got.Policy != "incident-P2" {
		t.Errorf("an older clock overwrote a newer one: policy %q", got.Policy)
	}
	if _, err := s.TicketClock(ctx, tk.ID+999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing clock: %v, want ErrNotFound", err)
	}
}

func testTicketSLAEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "升级")})
	ev := store.SLAEvent{TicketID: tk.ID, Kind: "resolution_breach", Cycle: 1}
	now := time.Now()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ok, err := s.ClaimSLAEvent(ctx, ev, string(rune('a'+i)), now, now.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 8 concurrent claims won, want exactly 1", wins.Load())
	}
	// The winner crashed: after its lease another node takes over, and the
	// first can no longer finish.
	later := now.Add(2 * time.Minute)
	if ok, err := s.ClaimSLAEvent(ctx, ev, "z", later, later.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim after the lease ran out: %v, %v", ok, err)
	}
	if _, err := s.FinishSLAEvent(ctx, ev, "a", nil, nil); !errors.Is(err, store.ErrStale) {
		t.Errorf("finish by a node that lost the lease: %v, want ErrStale", err)
	}
	tk.Priority = "P1"
	done, err := s.FinishSLAEvent(ctx, ev, "z", &tk, []model.TicketChange{{Field: "priority", From: "P2", To: "P1", Note: "SLA breach"}})
	if err != nil || done.Version != tk.Version+1 || done.Priority != "P1" {
		t.Fatalf("finish with escalation: %+v, %v", done, err)
	}
	h, _ := s.TicketHistory(ctx, tk.ID)
	if last := h[len(h)-1]; last.Field != "priority" || last.Note != "SLA breach" {
		t.Errorf("last history entry %+v, want the escalation", last)
	}
	if done, err := s.SLAEventDone(ctx, ev); err != nil || !done {
		t.Errorf("finished event done = %v, %v", done, err)
	}
	if done, _ := s.SLAEventDone(ctx, store.SLAEvent{TicketID: tk.ID, Kind: "other"}); done {
		t.Error("an event never claimed is done")
	}
	much := later.Add(time.Hour)
	if ok, _ := s.ClaimSLAEvent(ctx, ev, "y", much, much.Add(time.Minute)); ok {
		t.Error("a finished event was claimed again")
	}
	if ok, _ := s.ClaimSLAEvent(ctx, store.SLAEvent{TicketID: tk.ID, Kind: "resolution_breach", Cycle: 2}, "y", much, much); !ok {
		t.Error("the next cycle's breach could not be claimed")
	}
	// A stale ticket leaves the event unfinished, to be retried.
	ev3 := store.SLAEvent{TicketID: tk.ID, Kind: "resolution_reminder", Cycle: 1, N: 1}
	if ok, _ := s.ClaimSLAEvent(ctx, ev3, "y", much, much.Add(time.Minute)); !ok {
		t.Fatal("reminder not claimed")
	}
	if _, err := s.FinishSLAEvent(ctx, ev3, "y", &tk, nil); !errors.Is(err, store.ErrStale) {
		t.Errorf("finish with a stale ticket: %v, want ErrStale", err)
	}
	if ok, _ := s.ClaimSLAEvent(ctx, ev3, "x", much.Add(2*time.Minute), much.Add(3*time.Minute)); !ok {
		t.Error("an event whose finish failed was not claimable after its lease")
	}
}

func testTicketSLAFilter(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	now := time.Now().UTC()
	mk := func(title string, c store.TicketClock) int64 {
		tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, title)})
		c.TicketID, c.Version, c.Policy, c.Cycle = tk.ID, tk.Version, "p", 1
		must(t, s.SaveTicketClock(ctx, c))
		return tk.ID
	}
	hour := time.Hour
	late := mk("overdue", store.TicketClock{ResolutionDue: now.Add(-hour), ResolutionWarn: now.Add(-2 * hour)})
	lateFirst := mk("answered late", store.TicketClock{FirstDue: now.Add(-2 * hour), FirstResponseAt: now.Add(-hour), ResolutionDue: now.Add(hour)})
	risky := mk("warned", store.TicketClock{ResolutionDue: now.Add(hour), ResolutionWarn: now.Add(-time.Minute)})
	mk("fine", store.TicketClock{ResolutionDue: now.Add(hour), ResolutionWarn: now.Add(30 * time.Minute)})
	mk("paused before due", store.TicketClock{ResolutionDue: now.Add(-hour), ResolutionWarn: now.Add(-2 * hour), FrozenAt: now.Add(-3 * hour), Paused: true})
	for _, c := range []struct {
		sla  string
		want []int64
	}{{"breached", []int64{lateFirst, late}}, {"at_risk", []int64{risky}}} {
		got, err := s.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{SLA: c.sla})
		must(t, err)
		if ids := ticketIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("sla=%s: tickets %v, want %v", c.sla, ids, c.want)
		}
	}
}
