package storetest

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

var all = store.Scope{All: true}

func testCommitMessages(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f", OrgUnitID: o.deptA})
	first := envelope(ch.ID, "m1", "g1", "ou_1", "需要帮助", base)
	first.Attachments = []model.Attachment{{Name: "log.txt", MIME: "text/plain", Size: 10, BlobID: "abc"}}
	ms := commit(t, s, ch, first,
		envelope(ch.ID, "m2", "g1", "ou_2", "我来看看", base.Add(time.Minute)),
		envelope(ch.ID, "m3", "g1", "ou_1", "谢谢", base.Add(2*time.Minute)),
		envelope(ch.ID, "m3", "g1", "ou_1", "duplicate inside the batch", base.Add(3*time.Minute)))
	if len(ms) != 3 {
		t.Fatalf("CommitMessages stored %d messages, want 3", len(ms))
	}
	if ms[0].SenderID == 0 || ms[0].SenderID != ms[2].SenderID || ms[0].SenderID == ms[1].SenderID {
		t.Errorf("sender ids = %d %d %d, want one person per identity", ms[0].SenderID, ms[1].SenderID, ms[2].SenderID)
	}
	got, err := s.GetMessage(ctx, all, ms[0].ID, 0)
	must(t, err)
	if got.Text != "需要帮助" || got.ChannelKind != "feishu" || got.OrgUnitID != o.deptA || got.Direction != model.Inbound ||
		got.Kind != model.KindText || !got.SentAt.Equal(base) || !got.ReceivedAt.Equal(first.ReceivedAt) ||
		got.SenderName != first.SenderName || got.ExternalID != "m1" || got.Tags == nil ||
		len(got.Attachments) != 1 || got.Attachments[0] != first.Attachments[0] {
		t.Errorf("message roundtrip = %+v", got)
	}

	conv, err := s.GetConversation(ctx, all, ms[0].ConversationID)
	must(t, err)
	if conv.MessageCount != 3 || !conv.LastMessageAt.Equal(base.Add(2*time.Minute)) || conv.Title != "conv g1" ||
		conv.ExternalID != "g1" || conv.ChannelID != ch.ID || conv.OrgUnitID != o.deptA {
		t.Errorf("conversation = %+v", conv)
	}

	testRetryAndRename(t, s, ch, ms[1].SenderID)
}

// testRetryAndRename: the platform retries m2 and the sender has been
// renamed meanwhile; no duplicate, same person, identity renamed.
func testRetryAndRename(t *testing.T, s store.Store, ch model.Channel, person2 int64) {
	ctx := context.Background()
	retry := envelope(ch.ID, "m2", "g1", "ou_2", "我来看看", base.Add(time.Minute))
	renamed := envelope(ch.ID, "m4", "g1", "ou_2", "好了", base.Add(4*time.Minute))
	renamed.SenderName = "Bob Renamed"
	again := commit(t, s, ch, retry, renamed)
	if len(again) != 1 || again[0].ExternalID != "m4" || again[0].SenderID != person2 {
		t.Errorf("second batch stored %+v, want only m4 by the same person", again)
	}
	if n, _ := s.CountMessages(ctx); n != 4 {
		t.Errorf("CountMessages = %d, want 4", n)
	}
	person, idents, err := s.GetPerson(ctx, person2)
	must(t, err)
	if person.Name != "Name ou_2" || len(idents) != 1 || idents[0].ExternalID != "ou_2" ||
		idents[0].ChannelID != ch.ID || idents[0].PersonID != person.ID || idents[0].Name != "Bob Renamed" {
		t.Errorf("person = %+v identities %+v", person, idents)
	}
	_, _, err = s.GetPerson(ctx, 9999)
	wantErr(t, "GetPerson unknown", err, store.ErrNotFound)
}

func testCommitFromInbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "slack", Name: "s", OrgUnitID: o.deptB})
	_, err := s.AppendInbox(ctx, entries(
		envelope(ch.ID, "e1", "C1", "U1", "one", base),
		envelope(ch.ID, "e2", "C1", "U1", "two", base.Add(time.Second))))
	must(t, err)
	items, err := s.ClaimInbox(ctx, "n1", time.Now().Add(time.Minute), 10)
	must(t, err)
	var batch []store.NewMessage
	for _, it := range items {
		batch = append(batch, store.NewMessage{InboxID: it.ID, OrgUnitID: ch.OrgUnitID, Kind: ch.Kind, Envelope: it.Envelope})
	}
	// Processing twice (a worker died after commit, before it noticed) must
	// neither duplicate messages nor resurrect the rows.
	for round := range 2 {
		ms, err := s.CommitMessages(ctx, batch)
		must(t, err)
		if want := []int{2, 0}[round]; len(ms) != want {
			t.Errorf("round %d stored %d messages, want %d", round, len(ms), want)
		}
	}
	if n, _ := s.InboxDepth(ctx); n != 0 {
		t.Errorf("InboxDepth after commit = %d, want 0", n)
	}
	if left, _ := s.ClaimInbox(ctx, "n2", time.Now().Add(time.Minute), 10); len(left) != 0 {
		t.Errorf("done rows claimed again: %d", len(left))
	}
	list, err := s.ListMessages(ctx, all, store.MessageFilter{})
	must(t, err)
	if len(list) != 2 || list[0].Text != "two" || list[0].Direction != model.Inbound {
		t.Errorf("messages = %+v", list)
	}
}

func testGetMessageScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "dingtalk", Name: "d", OrgUnitID: o.teamA1})
	m := commit(t, s, ch, envelope(ch.ID, "x", "c", "u", "salary", base))[0]
	cases := []struct {
		name  string
		scope store.Scope
		id    int64
		found bool
	}{
		{"admin", all, m.ID, true},
		{"owning team", store.Scope{Units: []int64{o.teamA1}}, m.ID, true},
		{"parent department", store.Scope{Units: []int64{o.deptA}}, m.ID, true},
		{"sibling department", store.Scope{Units: []int64{o.deptB}}, m.ID, false},
		{"no units", store.Scope{Units: []int64{}}, m.ID, false},
		{"unknown id", all, m.ID + 100, false},
	}
	for _, c := range cases {
		got, err := s.GetMessage(ctx, c.scope, c.id, 0)
		if c.found && (err != nil || got.Text != "salary") {
			t.Errorf("%s: GetMessage = %+v, %v", c.name, got, err)
		}
		if !c.found {
			wantErr(t, c.name, err, store.ErrNotFound)
		}
	}
}

func testStarAndRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "slack", Name: "s", OrgUnitID: o.deptA})
	ms := commit(t, s, ch, envelope(ch.ID, "a", "c", "u", "first", base), envelope(ch.ID, "b", "c", "u", "second", base.Add(time.Second)))
	const alice, bob = 1, 2
	must(t, s.SetStar(ctx, alice, ms[1].ID, true))
	must(t, s.SetStar(ctx, alice, ms[1].ID, true)) // starring twice is harmless
	must(t, s.MarkRead(ctx, alice, ms[0].ID))
	must(t, s.MarkRead(ctx, alice, ms[0].ID))
	flags := func(viewer, id int64) (bool, bool) {
		m, err := s.GetMessage(ctx, all, id, viewer)
		must(t, err)
		return m.Starred, m.Read
	}
	if st, rd := flags(alice, ms[1].ID); !st || rd {
		t.Errorf("alice sees second starred=%v read=%v, want starred unread", st, rd)
	}
	if st, rd := flags(alice, ms[0].ID); st || !rd {
		t.Errorf("alice sees first starred=%v read=%v, want read unstarred", st, rd)
	}
	if st, rd := flags(bob, ms[1].ID); st || rd {
		t.Errorf("bob sees alice's flags: starred=%v read=%v", st, rd)
	}
	starred, err := s.ListMessages(ctx, all, store.MessageFilter{Starred: true, ViewerID: alice})
	must(t, err)
	if len(starred) != 1 || starred[0].ID != ms[1].ID || !starred[0].Starred {
		t.Errorf("alice's starred list = %v", ids(starred))
	}
	if l, _ := s.ListMessages(ctx, all, store.MessageFilter{Starred: true, ViewerID: bob}); len(l) != 0 {
		t.Errorf("bob's starred list = %v, want empty", ids(l))
	}
	must(t, s.SetStar(ctx, alice, ms[1].ID, false))
	if st, _ := flags(alice, ms[1].ID); st {
		t.Error("unstar did not stick")
	}
}

func testConversations(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	a := mustChannel(t, s, model.Channel{Kind: "slack", Name: "a", OrgUnitID: o.deptA})
	b := mustChannel(t, s, model.Channel{Kind: "slack", Name: "b", OrgUnitID: o.deptB})
	ma := commit(t, s, a, envelope(a.ID, "1", "old", "u", "x", base), envelope(a.ID, "2", "new", "u", "x", base.Add(2*time.Hour)))
	mb := commit(t, s, b, envelope(b.ID, "1", "mid", "u", "x", base.Add(time.Hour)))
	oldID, newID, midID := ma[0].ConversationID, ma[1].ConversationID, mb[0].ConversationID
	cases := []struct {
		name    string
		scope   store.Scope
		channel int64
		limit   int
		want    []int64
	}{
		{"all, most recent first", all, 0, 0, []int64{newID, midID, oldID}},
		{"one channel", all, a.ID, 0, []int64{newID, oldID}},
		{"limit", all, 0, 2, []int64{newID, midID}},
		{"department scope", store.Scope{Units: []int64{o.deptA}}, 0, 0, []int64{newID, oldID}},
		{"out-of-scope channel", store.Scope{Units: []int64{o.deptA}}, b.ID, 0, nil},
		{"no units", store.Scope{Units: []int64{}}, 0, 0, nil},
	}
	for _, c := range cases {
		list, err := s.ListConversations(ctx, c.scope, c.channel, c.limit)
		must(t, err)
		var got []int64
		for _, cv := range list {
			got = append(got, cv.ID)
		}
		if !sameIDs(got, c.want) {
			t.Errorf("%s: ListConversations = %v, want %v", c.name, got, c.want)
		}
	}
	_, err := s.GetConversation(ctx, store.Scope{Units: []int64{o.deptA}}, midID)
	wantErr(t, "GetConversation out of scope", err, store.ErrNotFound)
	_, err = s.GetConversation(ctx, all, 9999)
	wantErr(t, "GetConversation unknown", err, store.ErrNotFound)
	if c, err := s.GetConversation(ctx, store.Scope{Units: []int64{o.root}}, midID); err != nil || c.Title != "conv mid" {
		t.Errorf("GetConversation from root scope = %+v, %v", c, err)
	}
}
