package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func delivery(ch int64, key string, next time.Time) model.Delivery {
	return model.Delivery{ChannelID: ch, Destination: "chat-" + key, Payload: []byte(`{"text":"` + key + `"}`), IdemKey: key, NextAttemptAt: next}
}

func testOutboxEnqueue(t *testing.T, s store.Store) {
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	d, err := s.Enqueue(ctx, nil, delivery(7, "k1", time.Time{}))
	must(t, err)
	if d.ID == 0 || d.State != model.DeliveryQueued || d.Attempts != 0 || d.MessageID != 0 || d.ChannelID != 7 ||
		d.Destination != "chat-k1" || string(d.Payload) != `{"text":"k1"}` || d.NextAttemptAt.Before(before) || d.CreatedAt.IsZero() {
		t.Errorf("enqueued = %+v", d)
	}
	dup := delivery(7, "k1", time.Time{})
	dup.Payload = []byte(`{"text":"changed"}`)
	again, err := s.Enqueue(ctx, nil, dup)
	must(t, err)
	if again.ID != d.ID || string(again.Payload) != `{"text":"k1"}` {
		t.Errorf("same idem key gave %+v, want the first delivery unchanged", again)
	}
	if n, _ := s.OutboxDepth(ctx); n != 1 {
		t.Errorf("OutboxDepth = %d, want 1", n)
	}
	got, err := s.GetDelivery(ctx, d.ID)
	must(t, err)
	if got.IdemKey != "k1" || got.State != model.DeliveryQueued {
		t.Errorf("GetDelivery = %+v", got)
	}
	_, err = s.GetDelivery(ctx, 9999)
	wantErr(t, "GetDelivery unknown", err, store.ErrNotFound)
}

func testOutboxEnqueueWithMessage(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "slack", Name: "s", OrgUnitID: o.deptA})
	in := commit(t, s, ch, envelope(ch.ID, "in1", "C9", "U1", "help please", base))[0]
	reply := &store.NewMessage{OrgUnitID: ch.OrgUnitID, Kind: ch.Kind, Direction: model.Outbound,
		Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: "out:r1", ConvID: "C9", SenderName: "Agent Li",
			Kind: model.KindText, Text: "on it", SentAt: base.Add(time.Minute), ReceivedAt: base.Add(time.Minute)}}
	var first model.Delivery
	for i := range 2 {
		d, err := s.Enqueue(ctx, reply, delivery(ch.ID, "r1", time.Time{}))
		must(t, err)
		if i == 0 {
			first = d
		}
		if d.ID != first.ID || d.MessageID == 0 || d.ConversationID != in.ConversationID {
			t.Errorf("enqueue %d = %+v, want delivery %d in conversation %d", i, d, first.ID, in.ConversationID)
		}
	}
	if n, _ := s.CountMessages(ctx); n != 2 {
		t.Errorf("CountMessages = %d, want 2 (one inbound, one reply)", n)
	}
	msg, err := s.GetMessage(ctx, all, first.MessageID, 0)
	must(t, err)
	if msg.Direction != model.Outbound || msg.Text != "on it" || msg.SenderID != 0 || msg.ConversationID != in.ConversationID {
		t.Errorf("outbound message = %+v", msg)
	}
	list, err := s.ListDeliveries(ctx, first.MessageID)
	must(t, err)
	if len(list) != 1 || list[0].ID != first.ID {
		t.Errorf("ListDeliveries = %+v", list)
	}
	if none, _ := s.ListDeliveries(ctx, in.ID); len(none) != 0 {
		t.Errorf("inbound message has deliveries: %+v", none)
	}
	conv, _ := s.GetConversation(ctx, all, in.ConversationID)
	if conv.MessageCount != 2 {
		t.Errorf("conversation count = %d, want 2", conv.MessageCount)
	}
}

func testOutboxClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	due, err := s.Enqueue(ctx, nil, delivery(1, "due", now.Add(-time.Minute)))
	must(t, err)
	later, err := s.Enqueue(ctx, nil, delivery(1, "later", now.Add(time.Hour)))
	must(t, err)

	got, err := s.ClaimDeliveries(ctx, "n1", now, now.Add(30*time.Minute), 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != due.ID || string(got[0].Payload) != `{"text":"due"}` {
		t.Fatalf("first claim = %+v, want only the due delivery", got)
	}
	if again, _ := s.ClaimDeliveries(ctx, "n2", now, now.Add(30*time.Minute), 10); len(again) != 0 {
		t.Errorf("leased delivery claimed again: %+v", again)
	}
	// Two hours on: the later one is due and n1's lease has run out.
	got, err = s.ClaimDeliveries(ctx, "n2", now.Add(2*time.Hour), now.Add(3*time.Hour), 10)
	must(t, err)
	if len(got) != 2 || got[0].ID != due.ID || got[1].ID != later.ID {
		t.Errorf("claim after lease expiry = %+v, want due then later", got)
	}
	if got, _ := s.ClaimDeliveries(ctx, "n3", now.Add(2*time.Hour), now.Add(3*time.Hour), 1); len(got) != 0 {
		t.Errorf("claim under n2's lease = %+v", got)
	}
}

func testOutboxTransitions(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	var ds []model.Delivery
	for _, k := range []string{"retry", "sent", "dead"} {
		d, err := s.Enqueue(ctx, nil, delivery(1, k, now.Add(-time.Minute)))
		must(t, err)
		ds = append(ds, d)
	}
	_, err := s.ClaimDeliveries(ctx, "n1", now, now.Add(time.Hour), 10)
	must(t, err)
	retryAt := now.Add(10 * time.Minute)
	must(t, s.MarkRetry(ctx, ds[0].ID, retryAt, "429 rate limited"))
	must(t, s.MarkSent(ctx, ds[1].ID, "platform-msg-1", now))
	must(t, s.MarkDead(ctx, ds[2].ID, "410 gone"))
	cases := []struct {
		id      int64
		state   model.DeliveryState
		lastErr string
		extID   string
	}{
		{ds[0].ID, model.DeliveryFailed, "429 rate limited", ""},
		{ds[1].ID, model.DeliverySent, "", "platform-msg-1"},
		{ds[2].ID, model.DeliveryDead, "410 gone", ""},
	}
	for _, c := range cases {
		d, err := s.GetDelivery(ctx, c.id)
		must(t, err)
		if d.State != c.state || d.Attempts != 1 || d.LastError != c.lastErr || d.ExternalID != c.extID {
			t.Errorf("delivery %s = %+v", c.state, d)
		}
	}
	if d, _ := s.GetDelivery(ctx, ds[0].ID); !d.NextAttemptAt.Equal(retryAt.Truncate(time.Microsecond)) {
		t.Errorf("retry next attempt = %v, want %v", d.NextAttemptAt, retryAt)
	}
	if n, _ := s.OutboxDepth(ctx); n != 1 {
		t.Errorf("OutboxDepth = %d, want 1 (only the retry)", n)
	}
	testRetryReclaim(t, s, ds[0].ID, now, retryAt)
	for name, err := range map[string]error{
		"MarkSent unknown":  s.MarkSent(ctx, 9999, "x", now),
		"MarkRetry unknown": s.MarkRetry(ctx, 9999, now, "x"),
		"MarkDead unknown":  s.MarkDead(ctx, 9999, "x"),
	} {
		wantErr(t, name, err, store.ErrNotFound)
	}
}

// testRetryReclaim: MarkRetry released the lease, so the retry is claimable
// once due, and sent or dead deliveries never come back.
func testRetryReclaim(t *testing.T, s store.Store, retryID int64, now, retryAt time.Time) {
	ctx := context.Background()
	if got, _ := s.ClaimDeliveries(ctx, "n2", now, now.Add(time.Hour), 10); len(got) != 0 {
		t.Errorf("claimed before retry time: %+v", got)
	}
	got, err := s.ClaimDeliveries(ctx, "n2", retryAt.Add(time.Second), retryAt.Add(time.Hour), 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != retryID || got[0].State != model.DeliveryFailed {
		t.Errorf("claim after retry time = %+v", got)
	}
}

func testOutboxConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	const rows = 90
	now := time.Now()
	for i := range rows {
		_, err := s.Enqueue(ctx, nil, delivery(1, fmt.Sprint("k", i), now.Add(-time.Minute)))
		must(t, err)
	}
	got := claimAll(t, 6, func(owner string) ([]int64, error) {
		ds, err := s.ClaimDeliveries(ctx, owner, time.Now(), time.Now().Add(time.Hour), 5)
		var out []int64
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out, err
	})
	if len(got) != rows {
		t.Errorf("claimed %d distinct deliveries, want %d", len(got), rows)
	}
}
