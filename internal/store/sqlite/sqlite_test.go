package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/storetest"
)

func testKeys(t *testing.T) *crypto.Keyring {
	t.Helper()
	keys, err := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func openTemp(t *testing.T) (*sqldb.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.db")
	db, err := Open(context.Background(), path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTemp(t)
		return db
	})
}

func TestSealedAtRest(t *testing.T) {
	db, path := openTemp(t)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.AtRest(t, db, raw)
}

// TestReopenKeepsData checks migrations run once: a second Open of the same
// file finds the data and does not try to recreate tables.
func TestReopenKeepsData(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, model.User{Login: "alice", Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	again, err := Open(ctx, path, testKeys(t))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	if n, err := again.CountUsers(ctx); err != nil || n != 1 {
		t.Fatalf("after reopen CountUsers = %d, %v", n, err)
	}
}

// TestWriteCacheFollowsTheDatabase: the message writer's cache of
// conversations and identities never answers with a value the database does
// not hold, after a rolled-back batch or a change by another connection.
func TestWriteCacheFollowsTheDatabase(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// A batch whose message is tagged "boom" fails at its last statements.
	if _, err := raw.ExecContext(ctx, `CREATE TRIGGER boom BEFORE INSERT ON message_tags WHEN NEW.tag = 'boom'
		BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	db.SetAnnotator(func(m *model.Message) {
		if m.Text == "boom" {
			m.Tags = append(m.Tags, "boom")
		}
	})
	unit, _ := db.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
	ch, _ := db.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: unit.ID, Config: []byte(`{}`), Enabled: true})
	target := &store.Target{OrgUnitID: unit.ID, Kind: "webhook"}
	n := 0
	accept := func(title, name, text string) ([]model.Message, error) {
		n++
		now := time.Now()
		_, msgs, err := db.AcceptInbox(ctx, []store.InboxEntry{{Target: target, Envelope: model.Envelope{ChannelID: ch.ID,
			ExternalID: fmt.Sprint("m", n), ConvID: "c1", ConvTitle: title, SenderID: "u1", SenderName: name,
			Kind: model.KindText, Text: text, SentAt: now, ReceivedAt: now}}})
		return msgs, err
	}
	check := func(when, title, name string, count int64) {
		t.Helper()
		ms, err := db.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Limit: 1})
		if err != nil || len(ms) != 1 {
			t.Fatalf("%s: list: %v %v", when, ms, err)
		}
		conv, err := db.GetConversation(ctx, store.Scope{All: true}, ms[0].ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		_, idents, err := db.GetPerson(ctx, ms[0].SenderID)
		if err != nil || len(idents) != 1 {
			t.Fatalf("%s: person: %v %v", when, idents, err)
		}
		if conv.Title != title || idents[0].Name != name || conv.MessageCount != count {
			t.Errorf("%s: title %q, name %q, %d messages; want %q, %q, %d", when, conv.Title, idents[0].Name, conv.MessageCount, title, name, count)
		}
	}
	if _, err := accept("T1", "N1", "hello"); err != nil {
		t.Fatal(err)
	}
	check("first batch", "T1", "N1", 1)
	if _, err := accept("T2", "N2", "boom"); err == nil {
		t.Fatal("the boom batch committed")
	}
	check("rolled back", "T1", "N1", 1)
	// Were T2 and N2 remembered from the rolled-back batch, this batch would
	// look like no change and leave T1 and N1.
	if _, err := accept("T2", "N2", "again"); err != nil {
		t.Fatal(err)
	}
	check("after the rollback", "T2", "N2", 2)
	// Another connection renames both; the same title and name again are a
	// change, not a cache hit.
	if _, err := raw.ExecContext(ctx, `UPDATE conversations SET title = 'X'`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE identities SET name = 'Y'`); err != nil {
		t.Fatal(err)
	}
	if _, err := accept("T2", "N2", "more"); err != nil {
		t.Fatal(err)
	}
	check("after another connection's change", "T2", "N2", 3)
	// Found by sender as well, over every batch that committed.
	ms, err := db.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{SenderID: mustSender(t, db)})
	if err != nil || len(ms) != 3 {
		t.Errorf("messages by sender: %d, %v; want 3", len(ms), err)
	}
}

func mustSender(t *testing.T, db *sqldb.DB) int64 {
	t.Helper()
	ms, err := db.ListMessages(context.Background(), store.Scope{All: true}, store.MessageFilter{Limit: 1})
	if err != nil || len(ms) == 0 {
		t.Fatalf("list: %v", err)
	}
	return ms[0].SenderID
}

// TestMigrationPersonConversations: a database made before migration 003,
// with messages, answers sender filters after it (the table is filled from
// the messages) and has lost the index it replaces.
func TestMigrationPersonConversations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "switchboard.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`)
	for v, name := range []string{"001_init.sql", "002_rules.sql"} {
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range strings.Split(string(b), "\n--;\n") {
			exec(stmt)
		}
		exec(`INSERT INTO schema_migrations (version) VALUES (?)`, v+1)
	}
	keys := testKeys(t)
	body := keys.Seal([]byte(`{"t":"hello"}`))
	exec(`INSERT INTO org_units (id, name, kind, created_at) VALUES (1, 'root', 'company', 0)`)
	exec(`INSERT INTO org_unit_paths (ancestor, descendant) VALUES (1, 1)`)
	for i, m := range []struct{ conv, sender int64 }{{1, 7}, {1, 8}, {2, 7}, {1, 7}} {
		exec(`INSERT INTO messages (channel_id, channel_kind, org_unit_id, conversation_id, external_id, direction,
			sender_id, sender_name, kind, body, sent_at, received_at) VALUES (1, 'webhook', 1, ?, ?, 'in', ?, 'n', 'text', ?, 0, 0)`,
			m.conv, fmt.Sprint("m", i+1), m.sender, body)
	}
	db, err := Open(ctx, path, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := db.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{SenderID: 7})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.ExternalID)
	}
	if fmt.Sprint(got) != "[m4 m3 m1]" || ms[0].Text != "hello" {
		t.Errorf("messages of person 7 after the migration: %v, want [m4 m3 m1]", got)
	}
	var indexes string
	if err := raw.QueryRowContext(ctx, `SELECT group_concat(name || ':' || sql, ' | ') FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'messages' AND name IN ('messages_sender', 'messages_conversation')`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if want := "messages_conversation:CREATE INDEX messages_conversation ON messages (conversation_id, id, sender_id)"; indexes != want {
		t.Errorf("indexes on messages = %q, want %q", indexes, want)
	}
}
