package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// A message joins a ticket once: the source, the ticket's new state and the
// history entry are one write, a repeat (or a message of another ticket)
// writes nothing, and a stale ticket adds no source.
func testTicketAppendSource(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "设备连不上网"), Sources: []model.TicketSource{source(f.msgs[0])}})
	other := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "发票"), Sources: []model.TicketSource{source(f.msgs[2])}})

	stale := tk
	tk.Status, tk.Fields = model.TicketInProgress, map[string]string{"device": "R1", "order_no": "SB1"}
	change := []model.TicketChange{{Field: "source", To: "m2"}, {Field: "status", From: "waiting", To: "in_progress"}}
	saved, added, err := s.AppendTicketSource(ctx, tk, source(f.msgs[1]), change)
	must(t, err)
	if !added || saved.Version != tk.Version+1 {
		t.Fatalf("append: added %v, version %d; want added at version %d", added, saved.Version, tk.Version+1)
	}
	got, err := s.GetTicket(ctx, store.TicketScope{All: true}, tk.ID)
	must(t, err)
	if got.Status != model.TicketInProgress || got.Fields["order_no"] != "SB1" {
		t.Fatalf("stored ticket %s %v; want in progress with order_no", got.Status, got.Fields)
	}
	hist, _ := s.TicketHistory(ctx, tk.ID)
	if last := hist[len(hist)-1]; len(hist) != 3 || last.Field != "status" || hist[1].Field != "source" {
		t.Fatalf("history %+v; want created, source, status", hist)
	}

	for _, again := range []struct {
		what string
		t    model.Ticket
		m    model.Message
	}{{"the same message again", saved, f.msgs[1]}, {"another ticket's message", saved, f.msgs[2]}, {"its own first message", saved, f.msgs[0]}} {
		_, added, err := s.AppendTicketSource(ctx, again.t, source(again.m), []model.TicketChange{{Field: "source"}})
		if err != nil || added {
			t.Fatalf("%s: added %v, %v; want a no-op", again.what, added, err)
		}
	}
	if srcs, _ := s.TicketSources(ctx, tk.ID); len(srcs) != 2 {
		t.Fatalf("%d sources, want 2", len(srcs))
	}
	if srcs, _ := s.TicketSources(ctx, other.ID); len(srcs) != 1 {
		t.Fatalf("the other ticket has %d sources, want 1", len(srcs))
	}
	if h, _ := s.TicketHistory(ctx, tk.ID); len(h) != 3 {
		t.Fatalf("a no-op append wrote history: %d entries", len(h))
	}

	m4 := commit(t, s, mustChannelOf(t, s, f.msgs[0].ChannelID), envelope(f.msgs[0].ChannelID, "m4", "c1", "cust", "补充", base))[0]
	_, added, err = s.AppendTicketSource(ctx, stale, source(m4), []model.TicketChange{{Field: "source"}})
	if !errors.Is(err, store.ErrStale) || added {
		t.Fatalf("stale append: added %v, %v; want ErrStale", added, err)
	}
	if srcs, _ := s.TicketSources(ctx, tk.ID); len(srcs) != 2 {
		t.Fatalf("a stale append kept its source: %d sources", len(srcs))
	}
}

func mustChannelOf(t *testing.T, s store.Store, id int64) model.Channel {
	t.Helper()
	ch, err := s.GetChannel(context.Background(), id)
	must(t, err)
	return ch
}

// The conversation pass reads only inbound messages after its cursor in
// conversations of live tickets, leaving out those a rule makes a task or
// ticket of; the cursor only moves forward.
func testTicketChatCursor(t *testing.T, s store.Store) {
	ctx := context.Background()
	s.(store.Annotating).SetAnnotator(func(m *model.Message) {
		if strings.Contains(m.Text, "跟进") {
			m.Notify = &model.NotifyRequest{Task: &model.TaskRequest{Title: "跟进"}}
		}
	})
	f := newTicketFixture(t, s)
	if got, err := s.TicketChatMessages(ctx, 0, time.Now().Add(-time.Hour), 10); err != nil || len(got) != 0 {
		t.Fatalf("without tickets: %d messages, %v; want none", len(got), err)
	}
	in := sampleTicket(f.o.deptA, "设备连不上网")
	in.Requester = model.Requester{ChannelID: f.msgs[0].ChannelID, ConversationID: f.msgs[0].ConversationID}
	tk := mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(f.msgs[0])}})
	ch := mustChannelOf(t, s, f.msgs[0].ChannelID)
	later := commit(t, s, ch, envelope(ch.ID, "m5", "c1", "cust", "请跟进", base), envelope(ch.ID, "m6", "c1", "cust", "在吗", base))

	got, err := s.TicketChatMessages(ctx, f.msgs[0].ID, time.Now().Add(-time.Hour), 10)
	must(t, err)
	if len(got) != 2 || got[0].ID != f.msgs[1].ID || got[1].ID != later[1].ID || got[1].Text != "在吗" {
		t.Fatalf("messages after %d = %v; want m2 and m6 of c1 (m5 has a task, m3 is another conversation)", f.msgs[0].ID, ids(got))
	}
	if got, _ := s.TicketChatMessages(ctx, f.msgs[0].ID, time.Now().Add(-time.Hour), 1); len(got) != 1 {
		t.Fatalf("limit 1 gave %d", len(got))
	}
	tk.Status = model.TicketClosed
	tk, err = s.UpdateTicket(ctx, tk, nil)
	must(t, err)
	if got, _ := s.TicketChatMessages(ctx, 0, time.Now().Add(-time.Hour), 10); len(got) != 0 {
		t.Fatalf("a closed ticket's conversation still lists %d messages", len(got))
	}
	// Closed after a resolution: its requester may still rate it or say
	// it is not solved, until rateSince passes its closing.
	now := time.Now().UTC()
	tk.ResolvedAt, tk.ClosedAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
	tk, err = s.UpdateTicket(ctx, tk, nil)
	must(t, err)
	if got, _ := s.TicketChatMessages(ctx, f.msgs[0].ID, now.Add(-2*time.Hour), 10); len(got) != 2 {
		t.Fatalf("a recently closed ticket's conversation lists %d messages, want 2", len(got))
	}
	if got, _ := s.TicketChatMessages(ctx, f.msgs[0].ID, now.Add(-30*time.Minute), 10); len(got) != 0 {
		t.Fatalf("a ticket closed before rateSince lists %d messages", len(got))
	}
	tk.CSAT = 5 // rated: "没解决" may still follow
	_, err = s.UpdateTicket(ctx, tk, nil)
	must(t, err)
	if got, _ := s.TicketChatMessages(ctx, f.msgs[0].ID, now.Add(-2*time.Hour), 10); len(got) != 2 {
		t.Fatalf("a rated, recently closed ticket's conversation lists %d messages, want 2", len(got))
	}

	last, err := s.LastMessageID(ctx)
	must(t, err)
	if last != later[1].ID {
		t.Fatalf("last message id %d, want %d", last, later[1].ID)
	}
	must(t, s.AdvanceTicketChatCursor(ctx, 5))
	must(t, s.AdvanceTicketChatCursor(ctx, 3)) // a slower node, behind
	if c, err := s.TicketChatCursor(ctx); err != nil || c != 5 {
		t.Fatalf("cursor %d, %v; want 5 (never back)", c, err)
	}
}

// Extractors are stored whole; none stored reads as not set.
func testTicketExtractors(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.TicketExtractors(ctx); err != nil || ok {
		t.Fatalf("fresh store: ok %v, %v; want not set", ok, err)
	}
	want := []model.TicketExtractor{{Name: "order_no", Label: "订单号", Pattern: `订单号?\s*[:：]?\s*([A-Z0-9]{6,})`}}
	must(t, s.SetTicketExtractors(ctx, want))
	got, ok, err := s.TicketExtractors(ctx)
	if err != nil || !ok || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("extractors = %+v (ok %v, %v), want %+v", got, ok, err, want)
	}
	must(t, s.SetTicketExtractors(ctx, nil)) // an admin may turn every extractor off
	if got, ok, _ := s.TicketExtractors(ctx); !ok || len(got) != 0 {
		t.Fatalf("after clearing: %+v, ok %v; want an empty list that is set", got, ok)
	}
}
