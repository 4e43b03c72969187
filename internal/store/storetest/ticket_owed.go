package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// The closed loop and the SLA timer find their work in an index of
// tickets changed since they last looked; tickets there with nothing to
// do (nobody to tell, clocks that predate SLAs) must not hide the owed
// ones behind them, however many there are, and must leave the index.
func testTicketOwedPastIdleRows(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	for i := range 130 {
		tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, fmt.Sprint("no conversation ", i))})
		must(t, s.SaveTicketClock(ctx, store.TicketClock{TicketID: tk.ID, Version: tk.Version, Policy: store.NoSLA}))
		tk.Title += " (edited)"
		_, err := s.UpdateTicket(ctx, tk, nil)
		must(t, err)
	}
	in := sampleTicket(f.o.deptA, "from a conversation")
	in.Requester = model.Requester{ChannelID: f.msgs[0].ChannelID, ConversationID: f.msgs[0].ConversationID}
	tk := mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(f.msgs[0])}})
	owed, err := s.TicketsToTell(ctx, 100)
	must(t, err)
	if len(owed) != 1 || owed[0].TicketID != tk.ID {
		t.Errorf("owed notices = %+v, want only ticket %d, behind 130 tickets with nobody to tell", owed, tk.ID)
	}
	clock, err := s.TicketsToClock(ctx, 100)
	must(t, err)
	if !slices.Equal(clock, []int64{tk.ID}) {
		t.Errorf("clocks to compute = %v, want only [%d], behind 130 edited tickets that predate SLAs", clock, tk.ID)
	}
	must(t, s.MarkTicketTold(ctx, store.TicketTold{TicketID: tk.ID, Version: tk.Version, Status: tk.Status}))
	must(t, s.SaveTicketClock(ctx, store.TicketClock{TicketID: tk.ID, Version: tk.Version, Policy: "p", Cycle: 1}))
	if owed, _ := s.TicketsToTell(ctx, 100); len(owed) != 0 {
		t.Errorf("after telling, owed = %+v", owed)
	}
	if clock, _ := s.TicketsToClock(ctx, 100); len(clock) != 0 {
		t.Errorf("after clocking, to clock = %v", clock)
	}
}

// A ticket with no conversation of its own has nobody to tell, until it
// becomes the survivor of a duplicate: then its duplicates' requesters are
// owed its status, as for a ticket never told. A running first response
// past due counts as breached.
func testTicketSurvivorOwed(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	root := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "root, raised by an agent")})
	if owed, _ := s.TicketsToTell(ctx, 10); len(owed) != 0 {
		t.Fatalf("owed = %+v, want none (nobody to tell)", owed)
	}
	in := sampleTicket(f.o.deptA, "the same, from a customer")
	in.Requester = model.Requester{ChannelID: f.msgs[0].ChannelID, ConversationID: f.msgs[0].ConversationID}
	dup := mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(f.msgs[0])}})
	must(t, s.MarkTicketTold(ctx, store.TicketTold{TicketID: dup.ID, Version: dup.Version, Status: dup.Status}))
	if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: dup.ID, SurvivorID: root.ID, Score: 0.9}); err != nil {
		t.Fatal(err)
	}
	owed, err := s.TicketsToTell(ctx, 10)
	must(t, err)
	byID := map[int64]store.TicketTold{}
	for _, o := range owed {
		byID[o.TicketID] = o
	}
	if r, ok := byID[root.ID]; !ok || r.Version != 0 || len(owed) != 2 {
		t.Errorf("owed after the merge = %+v, want the survivor %d never told and the closed duplicate %d", owed, root.ID, dup.ID)
	}

	now := time.Now()
	must(t, s.SaveTicketClock(ctx, store.TicketClock{TicketID: root.ID, Version: root.Version, Policy: "p", Cycle: 1,
		FirstDue: now.Add(-time.Minute), FirstWarn: now.Add(-time.Hour), ResolutionDue: now.Add(time.Hour), ResolutionWarn: now.Add(30 * time.Minute)}))
	got, err := s.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{SLA: "breached"})
	must(t, err)
	if ids := ticketIDs(got); !slices.Equal(ids, []int64{root.ID}) {
		t.Errorf("sla=breached: %v, want [%d] (first response overdue)", ids, root.ID)
	}
	if got, _ := s.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{SLA: "at_risk"}); len(got) != 0 {
		t.Errorf("sla=at_risk lists a breached ticket: %v", ticketIDs(got))
	}
}
