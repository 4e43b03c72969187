package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func entries(envs ...model.Envelope) []store.InboxEntry {
	out := make([]store.InboxEntry, len(envs))
	for i, e := range envs {
		out[i] = store.InboxEntry{Envelope: e}
	}
	return out
}

func testInboxDedupe(t *testing.T, s store.Store) {
	ctx := context.Background()
	e := func(ch int64, ext string) model.Envelope { return envelope(ch, ext, "c", "u", "text "+ext, base) }
	batches := []struct {
		name  string
		in    []model.Envelope
		fresh []bool
	}{
		{"first batch, duplicate inside it", []model.Envelope{e(1, "a"), e(1, "b"), e(1, "a")}, []bool{true, true, false}},
		{"second batch repeats one", []model.Envelope{e(1, "b"), e(1, "c")}, []bool{false, true}},
		{"same external id on another channel is new", []model.Envelope{e(2, "a")}, []bool{true}},
		{"platform retry of everything", []model.Envelope{e(1, "a"), e(1, "b"), e(1, "c"), e(2, "a")}, []bool{false, false, false, false}},
	}
	seen := map[int64]bool{}
	for _, b := range batches {
		got, err := s.AppendInbox(ctx, entries(b.in...))
		must(t, err)
		if len(got) != len(b.in) {
			t.Fatalf("%s: %d ids for %d entries", b.name, len(got), len(b.in))
		}
		for i, id := range got {
			if (id != 0) != b.fresh[i] || seen[id] {
				t.Errorf("%s: entry %d id = %d, want fresh=%v", b.name, i, id, b.fresh[i])
			}
			if id != 0 {
				seen[id] = true
			}
		}
	}
	if n, err := s.InboxDepth(ctx); err != nil || n != 4 {
		t.Errorf("InboxDepth = %d, %v; want 4", n, err)
	}
}

func testInboxLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	held := envelope(1, "held", "c", "u", "held by node-a", base)
	expired := envelope(1, "expired", "c", "u", "node-b died", base)
	free := envelope(1, "free", "c", "u", "no owner", base)
	free.Attachments = []model.Attachment{{Name: "a.png", MIME: "image/png", Size: 42, URL: "https://x/a.png"}}
	_, err := s.AppendInbox(ctx, []store.InboxEntry{
		{Envelope: held, Owner: "node-a", LeaseUntil: now.Add(time.Hour)},
		{Envelope: expired, Owner: "node-b", LeaseUntil: now.Add(-time.Second)},
		{Envelope: free},
	})
	must(t, err)

	got, err := s.ClaimInbox(ctx, "node-c", now.Add(time.Hour), 10)
	must(t, err)
	byExt := map[string]model.Envelope{}
	for _, it := range got {
		byExt[it.Envelope.ExternalID] = it.Envelope
	}
	if len(got) != 2 || byExt["held"].ExternalID != "" || byExt["expired"].Text != "node-b died" {
		t.Fatalf("claim took %v, want the expired and the free row", byExt)
	}
	f := byExt["free"]
	if f.Text != "no owner" || !f.SentAt.Equal(free.SentAt) || !f.ReceivedAt.Equal(free.ReceivedAt) ||
		len(f.Attachments) != 1 || f.Attachments[0] != free.Attachments[0] || f.SenderName != free.SenderName {
		t.Errorf("envelope roundtrip = %+v", f)
	}
	if again, _ := s.ClaimInbox(ctx, "node-d", now.Add(time.Hour), 10); len(again) != 0 {
		t.Errorf("rows under a live lease claimed again: %d", len(again))
	}

	// A worker that claims with a lease already over has, in effect, died:
	// its rows must go to the next claimer.
	_, err = s.AppendInbox(ctx, entries(envelope(1, "short", "c", "u", "short lease", base)))
	must(t, err)
	short, err := s.ClaimInbox(ctx, "node-e", time.Now().Add(-time.Millisecond), 10)
	must(t, err)
	takeover, err := s.ClaimInbox(ctx, "node-f", time.Now().Add(time.Hour), 10)
	must(t, err)
	if len(short) != 1 || len(takeover) != 1 || takeover[0].ID != short[0].ID {
		t.Errorf("expired lease not taken over: first %d rows, second %d rows", len(short), len(takeover))
	}
	if n, _ := s.InboxDepth(ctx); n != 4 {
		t.Errorf("InboxDepth = %d, want 4 (claiming does not finish rows)", n)
	}
}

func testInboxConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	const rows, workers = 120, 6
	var envs []model.Envelope
	for i := range rows {
		envs = append(envs, envelope(1, fmt.Sprint("m", i), "c", "u", "x", base))
	}
	_, err := s.AppendInbox(ctx, entries(envs...))
	must(t, err)
	got := claimAll(t, workers, func(owner string) ([]int64, error) {
		items, err := s.ClaimInbox(ctx, owner, time.Now().Add(time.Hour), 7)
		if len(items) > 7 {
			return nil, fmt.Errorf("claimed %d rows, limit 7", len(items))
		}
		var out []int64
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out, err
	})
	if len(got) != rows {
		t.Errorf("claimed %d distinct rows, want %d", len(got), rows)
	}
}

// claimAll runs claimers concurrently until none gets anything and returns
// every claimed id; a row handed to two claimers fails the test.
func claimAll(t *testing.T, workers int, claim func(owner string) ([]int64, error)) []int64 {
	t.Helper()
	var mu sync.Mutex
	owner := map[int64]string{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("node-", w)
			for {
				got, err := claim(name)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, id := range got {
					if prev, dup := owner[id]; dup {
						t.Errorf("row %d claimed by %s and %s while leased", id, prev, name)
					}
					owner[id] = name
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var out []int64
	for id := range owner {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// testAcceptInbox: the intake commit stores messages in the same
// transaction; rows without a target wait for processors, retries of
// either kind store nothing twice.
func testAcceptInbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "erp", OrgUnitID: o.deptA, Config: []byte(`{}`), Enabled: true})
	target := &store.Target{OrgUnitID: ch.OrgUnitID, Kind: ch.Kind}
	in := []store.InboxEntry{
		{Envelope: envelope(ch.ID, "a", "c1", "u1", "这个问题很紧急", base), Target: target},
		{Envelope: envelope(ch.ID, "b", "c1", "u2", "later", base), Target: nil},
		{Envelope: envelope(ch.ID, "a", "c1", "u1", "这个问题很紧急", base), Target: target},
	}
	ids, msgs, err := s.AcceptInbox(ctx, in)
	must(t, err)
	if ids[0] == 0 || ids[1] == 0 || ids[2] != 0 {
		t.Fatalf("ids = %v, want new, new, duplicate", ids)
	}
	if len(msgs) != 1 || msgs[0].ExternalID != "a" || msgs[0].OrgUnitID != o.deptA || msgs[0].SenderID == 0 || msgs[0].ConversationID == 0 {
		t.Fatalf("stored messages = %+v", msgs)
	}
	msgs0 := msgs[0]
	if n, _ := s.InboxDepth(ctx); n != 1 {
		t.Errorf("InboxDepth = %d, want 1 (only the row without a target)", n)
	}
	claimed, err := s.ClaimInbox(ctx, "node", time.Now().Add(time.Minute), 10)
	must(t, err)
	if len(claimed) != 1 || claimed[0].Envelope.ExternalID != "b" || claimed[0].Envelope.Text != "later" {
		t.Fatalf("claimed %+v, want only b with its envelope", claimed)
	}
	ids, msgs, err = s.AcceptInbox(ctx, in[:1])
	must(t, err)
	got, err := s.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Query: query("紧急")})
	must(t, err)
	if ids[0] != 0 || len(msgs) != 0 || len(got) != 1 {
		t.Errorf("retry: ids %v, %d new messages, %d found by search; want duplicate, none, 1", ids, len(msgs), len(got))
	}
	// A later message without the title (platforms often omit it) is still
	// found by the conversation's stored title.
	untitled := envelope(ch.ID, "c", "c1", "u1", "plain", base)
	untitled.ConvTitle = ""
	_, _, err = s.AcceptInbox(ctx, []store.InboxEntry{{Envelope: untitled, Target: target}})
	must(t, err)
	got, err = s.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Query: query("conv c1")})
	must(t, err)
	if len(got) != 2 {
		t.Errorf("search by conversation title found %d messages, want 2", len(got))
	}
	got, err = s.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{SenderID: msgs0.SenderID})
	must(t, err)
	if len(got) != 2 || got[0].ExternalID != "c" || got[1].ExternalID != "a" {
		t.Errorf("messages by sender = %v, want c, a", got)
	}
}

// testAnnotatedTags: tags set by the annotator are stored with the message
// in the same commit, filterable at once; outbound messages are not annotated.
func testAnnotatedTags(t *testing.T, s store.Store) {
	ctx := context.Background()
	an, ok := s.(store.Annotating)
	if !ok {
		t.Fatal("store does not support annotation")
	}
	an.SetAnnotator(func(m *model.Message) {
		if strings.Contains(m.Text, "紧急") {
			m.Tags = append(m.Tags, "urgent", "紧急")
		}
	})
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "erp", OrgUnitID: o.deptA, Config: []byte(`{}`), Enabled: true})
	target := &store.Target{OrgUnitID: ch.OrgUnitID, Kind: ch.Kind}
	_, msgs, err := s.AcceptInbox(ctx, []store.InboxEntry{
		{Envelope: envelope(ch.ID, "a", "c1", "u1", "设备连不上网，很紧急", base), Target: target},
		{Envelope: envelope(ch.ID, "b", "c1", "u1", "谢谢", base), Target: target},
	})
	must(t, err)
	if len(msgs) != 2 || !slices.Equal(msgs[0].Tags, []string{"urgent", "紧急"}) || len(msgs[1].Tags) != 0 {
		t.Fatalf("returned tags %v / %v", msgs[0].Tags, msgs[1].Tags)
	}
	for _, tag := range []string{"urgent", "紧急"} {
		got, err := s.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Tag: tag})
		must(t, err)
		if len(got) != 1 || got[0].ExternalID != "a" || len(got[0].Tags) != 2 {
			t.Errorf("tag %s: %d messages %+v", tag, len(got), got)
		}
	}
	_, err = s.Enqueue(ctx, &store.NewMessage{OrgUnitID: o.deptA, Kind: ch.Kind, Direction: model.Outbound,
		Envelope: envelope(ch.ID, "out:1", "c1", "", "紧急回复", base)}, model.Delivery{ChannelID: ch.ID, Destination: "c1", IdemKey: "k1", Payload: []byte(`{}`)})
	must(t, err)
	if got, _ := s.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Tag: "urgent"}); len(got) != 1 {
		t.Errorf("outbound message was annotated: %d tagged", len(got))
	}
}
