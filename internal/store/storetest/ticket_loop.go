package storetest

import (
	"context"
	"testing"

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
