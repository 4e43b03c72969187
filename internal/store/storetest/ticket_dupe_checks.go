package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// A ticket's duplicate check is recorded once: the first record wins on
// any connection, later ones write nothing (no second suggestions, no
// link), and only open, unrecorded tickets in the window are left to sweep.
func testTicketDupeChecks(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newDupFixture(t, s)
	since, now := time.Now().Add(-time.Hour), time.Now().Add(time.Minute)
	ids, err := s.UncheckedTickets(ctx, since, now, 10)
	must(t, err)
	if len(ids) != 3 || ids[0] != f.a.ID || ids[2] != f.c.ID {
		t.Fatalf("unchecked = %v, want a, b, c oldest first", ids)
	}
	if ids, _ := s.UncheckedTickets(ctx, now, now.Add(time.Hour), 10); len(ids) != 0 {
		t.Fatalf("unchecked after the window start = %v, want none", ids)
	}
	// Four checks of c at once: one records it, with its suggestion.
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sug := []model.DuplicateSuggestion{{CandidateID: f.a.ID + int64(i%2), Score: 0.5}}
			if ok, err := s.FinishDupeCheck(ctx, f.c.ID, store.DupeSuggested, sug); err != nil {
				t.Error(err)
			} else if ok {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d checks recorded c, want 1", won.Load())
	}
	sug, err := s.DuplicateSuggestions(ctx, f.c.ID)
	must(t, err)
	if len(sug) != 1 {
		t.Fatalf("suggestions of c = %+v, want only the recorded check's one", sug)
	}
	if out, ok, err := s.DupeCheck(ctx, f.c.ID); err != nil || !ok || out != store.DupeSuggested {
		t.Fatalf("check of c = %q %v %v, want suggested", out, ok, err)
	}
	// A link that records the check is refused once c was checked…
	if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: f.c.ID, SurvivorID: f.a.ID, Check: true}); !errors.Is(err, store.ErrDupeChecked) {
		t.Fatalf("link of a checked ticket: %v, want ErrDupeChecked", err)
	}
	if _, ok, _ := s.DuplicateOf(ctx, f.c.ID); ok {
		t.Fatal("c was linked although its check was recorded")
	}
	// …and records it for b, which leaves the sweep's list (closed, checked).
	if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: f.b.ID, SurvivorID: f.a.ID, Check: true}); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := s.DupeCheck(ctx, f.b.ID); out != store.DupeLinked {
		t.Fatalf("check of b = %q, want linked", out)
	}
	if ids, _ := s.UncheckedTickets(ctx, since, now, 10); len(ids) != 1 || ids[0] != f.a.ID {
		t.Fatalf("unchecked = %v, want only a", ids)
	}
	if _, ok, _ := s.DupeCheck(ctx, f.a.ID); ok {
		t.Fatal("a has a check recorded, want none")
	}
	// b is closed, but its requester's conversation is heard while a lives.
	if !heard(t, s, f.msgs[2].ID) {
		t.Fatal("the conversation of duplicate b is not heard while its survivor a is open")
	}
	a, _ := s.GetTicket(ctx, store.TicketScope{All: true}, f.a.ID)
	a.Status = model.TicketClosed
	_, err = s.UpdateTicket(ctx, a, nil)
	must(t, err)
	if heard(t, s, f.msgs[2].ID) {
		t.Fatal("the conversation of duplicate b is still heard after its survivor a closed")
	}
}

// A ticket split off by hand is recorded checked (skipped): the sweep
// never merges it back into the ticket it came from.
func testTicketSplitIsChecked(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newDupFixture(t, s)
	nt, err := s.SplitTicket(ctx, store.SplitTicket{From: f.c.ID, Sources: []int64{f.msgs[1].ID}, Ticket: sampleTicket(f.o.deptA, "拆分")})
	must(t, err)
	if out, ok, err := s.DupeCheck(ctx, nt.ID); err != nil || !ok || out != store.DupeSkipped {
		t.Fatalf("check of the split ticket = %q %v %v, want skipped", out, ok, err)
	}
}

func heard(t *testing.T, s store.Store, id int64) bool {
	msgs, err := s.TicketChatMessages(context.Background(), 0, time.Now().Add(-time.Hour), 100)
	must(t, err)
	return slices.ContainsFunc(msgs, func(m model.Message) bool { return m.ID == id })
}

// An agent's load counts their tickets accepted, in progress or waiting,
// not resolved ones nor anyone else's.
func testTicketAgentLoad(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	for i, st := range []model.TicketStatus{model.TicketAccepted, model.TicketInProgress, model.TicketWaiting, model.TicketResolved} {
		in := sampleTicket(f.o.deptA, string(st))
		in.AssigneeID = f.agent
		tk := mustTicket(t, s, store.NewTicket{Ticket: in})
		if i > 0 {
			tk.Status = st
			_, err := s.UpdateTicket(ctx, tk, nil)
			must(t, err)
		}
	}
	mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "nobody's")})
	if n, err := s.AgentOpenTickets(ctx, f.agent); err != nil || n != 3 {
		t.Fatalf("agent's open tickets = %d, %v; want 3 (not the resolved one)", n, err)
	}
}
