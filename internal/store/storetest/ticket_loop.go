package storetest

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// A ticket from a conversation is owed a notice until the version told
// catches up with it; the told version never moves back; the rating is
// stored with the ticket.
func testTicketLoop(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	in := sampleTicket(f.o.deptA, "设备连不上网")
	in.Requester = model.Requester{ChannelID: f.msgs[0].ChannelID, ConversationID: f.msgs[0].ConversationID}
	tk := mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(f.msgs[0])}})
	mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "no conversation")}) // nobody to tell

	owed, err := s.TicketsToTell(ctx, 10)
	must(t, err)
	if len(owed) != 1 || owed[0].TicketID != tk.ID || owed[0].Version != 0 {
		t.Fatalf("owed after creation = %+v, want ticket %d never told", owed, tk.ID)
	}
	must(t, s.MarkTicketTold(ctx, store.TicketTold{TicketID: tk.ID, Version: tk.Version, Status: tk.Status, CardDeliveryID: 7}))
	if owed, _ := s.TicketsToTell(ctx, 10); len(owed) != 0 {
		t.Fatalf("owed after telling = %+v, want none", owed)
	}

	tk.Status, tk.CSAT = model.TicketResolved, 4
	tk, err = s.UpdateTicket(ctx, tk, []model.TicketChange{{Field: "csat", To: "4"}})
	must(t, err)
	owed, _ = s.TicketsToTell(ctx, 10)
	if len(owed) != 1 || owed[0].Version != 1 || owed[0].Status != model.TicketAccepted || owed[0].CardDeliveryID != 7 {
		t.Fatalf("owed after a change = %+v, want version 1 (accepted) told, card 7", owed)
	}
	must(t, s.MarkTicketTold(ctx, store.TicketTold{TicketID: tk.ID, Version: tk.Version, Status: tk.Status, CardDeliveryID: 7}))
	must(t, s.MarkTicketTold(ctx, store.TicketTold{TicketID: tk.ID, Version: 1, Status: model.TicketAccepted})) // a late, older pass
	if owed, _ := s.TicketsToTell(ctx, 10); len(owed) != 0 {
		t.Fatalf("an older mark moved the told version back: owed %+v", owed)
	}

	got, err := s.ConversationTickets(ctx, f.msgs[0].ConversationID)
	must(t, err)
	if len(got) != 1 || got[0].ID != tk.ID || got[0].CSAT != 4 || got[0].Status != model.TicketResolved {
		t.Fatalf("conversation tickets = %+v, want ticket %d resolved with CSAT 4", got, tk.ID)
	}
	if other, _ := s.ConversationTickets(ctx, f.msgs[2].ConversationID); len(other) != 0 {
		t.Errorf("another conversation lists %d tickets", len(other))
	}
}

// The auto-close pass finds the tickets resolved long enough ago and
// still resolved, oldest first; a reopened, closed or recent one is not
// among them.
func testTicketResolvedBefore(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	now := time.Now().UTC()
	at := func(title string, status model.TicketStatus, resolved time.Time) model.Ticket {
		tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, title)})
		tk.Status, tk.ResolvedAt = status, resolved
		tk, err := s.UpdateTicket(ctx, tk, []model.TicketChange{{Field: "status", From: "accepted", To: string(status)}})
		must(t, err)
		return tk
	}
	older := at("四天前解决", model.TicketResolved, now.Add(-96*time.Hour))
	old := at("三天多前解决", model.TicketResolved, now.Add(-80*time.Hour))
	at("刚解决", model.TicketResolved, now.Add(-time.Hour))
	at("已关闭", model.TicketClosed, now.Add(-100*time.Hour))
	at("重新打开", model.TicketInProgress, time.Time{})

	got, err := s.ResolvedTicketsBefore(ctx, now.Add(-72*time.Hour), 10)
	must(t, err)
	if len(got) != 2 || got[0].ID != older.ID || got[1].ID != old.ID {
		t.Fatalf("resolved before 72h ago = %+v, want tickets %d then %d", got, older.ID, old.ID)
	}
	if got[0].Version != older.Version || got[0].Title != "四天前解决" {
		t.Errorf("listed ticket %+v, want it whole at version %d", got[0], older.Version)
	}
	if one, _ := s.ResolvedTicketsBefore(ctx, now.Add(-72*time.Hour), 1); len(one) != 1 || one[0].ID != older.ID {
		t.Errorf("limit 1 = %+v, want the oldest resolution", one)
	}
}
