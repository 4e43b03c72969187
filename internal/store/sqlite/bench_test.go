package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// BenchmarkAcceptInbox measures the intake commit (inbox rows + messages,
// one transaction, synchronous=FULL) per message, at the batch sizes the
// group commit sees under load (15–30 at `bench ingest -c 64`/`-c 256` on
// the 2-core machine, where the HTTP side shares the cores; 64 and 256 on
// a writer that has them to itself).
// The search terms are computed inside AcceptInbox here; the intake
// writer's callers compute them beforehand (store.InboxEntry.Terms).
func BenchmarkAcceptInbox(b *testing.B) {
	for _, batch := range []int{15, 64, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), keys)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			unit, _ := db.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
			ch, _ := db.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: unit.ID, Config: []byte(`{}`), Enabled: true})
			target := &store.Target{OrgUnitID: unit.ID, Kind: "webhook"}
			now := time.Now()
			n := 0
			b.ResetTimer()
			for b.Loop() {
				entries := make([]store.InboxEntry, batch)
				for i := range entries {
					n++
					c := n % 100
					entries[i] = store.InboxEntry{Target: target, Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: fmt.Sprint("m", n),
						ConvID: fmt.Sprint("conv-", c), ConvTitle: fmt.Sprint("Load ", c), SenderID: fmt.Sprint("user-", c), SenderName: fmt.Sprint("User ", c),
						Kind: model.KindText, Text: fmt.Sprintf("load test message %d: the printer on floor %d is out of paper again", n, n%9), SentAt: now, ReceivedAt: now}}
				}
				if _, _, err := db.AcceptInbox(ctx, entries); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/msg")
		})
	}
}

// BenchmarkSenderFilter measures sender filters (the person page, the
// message list's sender_id) over 1M messages, answered through
// person_conversations and messages_conversation rather than an index on
// messages.sender_id. The messages are written with SQL, not through the
// writer, so the setup takes seconds: half are in 100 one-sender
// conversations (person k writes only in conversation k, 5,000 messages
// each), half in 10 groups where 1,000 people take turns (each writes 500
// messages, in every group, spread over the whole history); one person
// wrote a single message, early, in a group. conversation/newest, a plain
// conversation page, is there to compare with.
//
//	go test -run '^$' -bench SenderFilter -benchtime 200x ./internal/store/sqlite/
func BenchmarkSenderFilter(b *testing.B) {
	const total = 1_000_000
	keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := Open(context.Background(), path, keys)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	root, _ := db.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
	deptA, _ := db.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "A", Kind: "department"})
	deptB, _ := db.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "B", Kind: "department"})
	ch, _ := db.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: deptA.ID, Config: []byte(`{}`), Enabled: true})
	now := time.Now()
	// One message through the store, for a sealed body the others copy.
	if _, _, err := db.AcceptInbox(ctx, []store.InboxEntry{{Target: &store.Target{OrgUnitID: deptA.ID, Kind: "webhook"},
		Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: "seed", ConvID: "seed", SenderID: "seed", Kind: model.KindText,
			Text: "the printer on floor 3 is out of paper again", SentAt: now, ReceivedAt: now}}}); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	// Person ids: 1..100 write alone in conversations 1..100 (even i),
	// 1001..2000 in groups 101..110 (odd i), ten messages in a row each,
	// one per group; 5000 once (i = 1001).
	fill := []string{`INSERT INTO messages (channel_id, channel_kind, org_unit_id, conversation_id, external_id, direction,
			sender_id, sender_name, kind, body, sent_at, received_at)
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		SELECT ?, 'webhook', ?, CASE i % 2 WHEN 0 THEN 1 + (i / 2) % 100 ELSE 101 + (i / 2) % 10 END, 'x' || i, 'in',
			CASE WHEN i = 1001 THEN 5000 WHEN i % 2 = 0 THEN 1 + (i / 2) % 100 ELSE 1001 + (i / 20) % 1000 END,
			'n', 'text', (SELECT body FROM messages LIMIT 1), i, i
		FROM seq`,
		`INSERT INTO person_conversations (person_id, id_window, conversation_id, org_unit_id)
		SELECT DISTINCT sender_id, id / 65536, conversation_id, org_unit_id FROM messages WHERE sender_id IS NOT NULL
		ON CONFLICT DO NOTHING`}
	for i, q := range fill {
		args := []any{total, ch.ID, deptA.ID}
		if i > 0 {
			args = nil
		}
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	var mid int64
	if err := raw.QueryRowContext(ctx, `SELECT id FROM messages WHERE external_id = 'x500000'`).Scan(&mid); err != nil {
		b.Fatal(err)
	}
	all, inA, inB := store.Scope{All: true}, store.Scope{Units: []int64{deptA.ID}}, store.Scope{Units: []int64{deptB.ID}}
	for _, c := range []struct {
		name  string
		scope store.Scope
		f     store.MessageFilter
		want  int
	}{
		{"conversation/newest", all, store.MessageFilter{ConversationID: 101}, 50},
		{"alone/newest", all, store.MessageFilter{SenderID: 1}, 50},
		{"alone/page-mid", all, store.MessageFilter{SenderID: 1, Before: mid}, 50},
		{"group/newest", all, store.MessageFilter{SenderID: 1002}, 50},
		{"group/page-mid", all, store.MessageFilter{SenderID: 1002, Before: mid}, 50},
		{"once/newest", all, store.MessageFilter{SenderID: 5000}, 1},
		{"person-page/allowed", inA, store.MessageFilter{SenderID: 1002, Limit: 1}, 1},
		{"person-page/denied", inB, store.MessageFilter{SenderID: 1002, Limit: 1}, 0},
		{"group/no-match", all, store.MessageFilter{SenderID: 1002, Kind: model.KindImage}, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got, err := db.ListMessages(ctx, c.scope, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != c.want {
					b.Fatalf("got %d messages, want %d", len(got), c.want)
				}
			}
		})
	}
}
