package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
	storecopy "switchboard/internal/store/copy"
	"switchboard/internal/store/postgres"
	"switchboard/internal/store/sqlite"
	"switchboard/internal/testsvc"
)

// TestMigrateCopyKeepsEverything fills a single-node installation through
// the real code paths, copies it into a fresh PostgreSQL schema, and reads
// both back through the store interfaces: every row, decrypted, must be the
// same, search must find the same messages, and the audit chain must still
// link and continue.
func TestMigrateCopyKeepsEverything(t *testing.T) {
	schema := testsvc.FreshSchema(t)
	dir := populate(t)

	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if err := migrateCopy(context.Background(), env, []string{"--from", dir, "--to", schema.URL}); err != nil {
		t.Fatalf("migrate copy: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"copied messages", "verified:", "--key-file", "blobs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	keys, err := crypto.LoadOrCreate(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := sqlite.Open(context.Background(), filepath.Join(dir, "switchboard.db"), keys)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(context.Background(), schema.URL, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	a, b := digest(t, src), digest(t, dst)
	if a != b {
		t.Errorf("content read back differs:\nsqlite:   %s\npostgres: %s", a, b)
	}
	for _, q := range []string{"紧急", "打印机", "photo"} {
		if x, y := searchIDs(t, src, q), searchIDs(t, dst, q); x != y || x == "[]" {
			t.Errorf("search %q: sqlite %s, postgres %s", q, x, y)
		}
	}
	// A conversation title is indexed on SQLite only for messages whose
	// intake batch carried it; the copy indexes every message with its
	// conversation's title, so a title search finds at least as much.
	if x, y := searchIDs(t, src, "报修"), searchIDs(t, dst, "报修"); x == "[]" || !strings.Contains(y, strings.Trim(x, "[]")) {
		t.Errorf("title search: sqlite %s, postgres %s", x, y)
	}
	checkAuditChain(t, dst)
	checkSequencesMoved(t, dst)

	err = migrateCopy(context.Background(), env, []string{"--from", dir, "--to", schema.URL})
	if !errors.Is(err, storecopy.ErrNotEmpty) {
		t.Errorf("second copy into the same schema: %v, want %v", err, storecopy.ErrNotEmpty)
	}
}

// populate runs a node on SQLite and gives it org units, users, a channel
// with messages (Chinese text, stored and linked attachments, two senders,
// two conversations), a delivered reply, a star, a read mark and audit
// entries, then stops it and returns its data directory.
func populate(t *testing.T) string {
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"id":"ext-1"}`)
	}))
	defer rv.Close()
	n := apptest.Start(t)
	unit := n.CreateOrgUnit(1, "售后部")
	agentID, agent := n.CreateUser("li", "agent", unit)
	h := n.CreateWebhook("ERP", unit, rv.URL)

	first := apptest.NewMessage("m-1", "c-1", "wang", "紧急：三楼打印机坏了")
	first.Conversation.Title = "报修"
	withFile := apptest.NewMessage("m-2", "c-1", "wang", "附件是说明")
	withFile.Attachments = []map[string]any{{"name": "说明.txt", "mime": "text/plain", "data": base64.StdEncoding.EncodeToString([]byte("纸用完了"))}}
	withLink := apptest.NewMessage("m-3", "c-2", "zhao", "另一个紧急情况 see photo")
	withLink.Attachments = []map[string]any{{"name": "photo.jpg", "mime": "image/jpeg", "url": "https://example.com/p.jpg"}}
	for _, m := range []apptest.Message{first, withFile, withLink, apptest.NewMessage("m-4", "c-2", "zhao", "普通消息 nothing urgent")} {
		if st, body := n.Post(h, m); st != http.StatusOK {
			t.Fatalf("post %s: %d %s", m.ID, st, body)
		}
	}
	ctx := context.Background()
	apptest.WaitFor(t, 10*time.Second, "4 messages", func() bool { c, _ := n.App.Store.CountMessages(ctx); return c == 4 })
	ms, err := n.App.Store.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Limit: 10})
	if err != nil || len(ms) != 4 {
		t.Fatalf("messages: %v %d", err, len(ms))
	}
	last := ms[0]
	if st := n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", last.ConversationID), n.Token, map[string]string{"text": "已受理"}, nil); st != http.StatusAccepted {
		t.Fatalf("reply: %d", st)
	}
	apptest.WaitFor(t, 10*time.Second, "reply delivered", func() bool { d, _ := n.App.Store.OutboxDepth(ctx); return d == 0 })
	n.Do("PUT", fmt.Sprintf("/api/v1/messages/%d/star", last.ID), n.Token, nil, nil)
	n.Do("PUT", fmt.Sprintf("/api/v1/messages/%d/read", last.ID), n.Token, nil, nil)
	n.Do("GET", "/api/v1/audit", agent, nil, nil) // denied: audited
	var tk struct{ ID int64 }
	if st := n.Do("POST", "/api/v1/tickets", agent, map[string]any{"type": "incident", "source_message_ids": []int64{last.ID},
		"watchers": []int64{1}, "tags": []string{"打印机"}}, &tk); st != http.StatusCreated {
		t.Fatalf("ticket: %d", st)
	}
	// The loop tells the current status, so two quick moves could reach the
	// requester as one notice: let 已受理 go out before 处理中.
	waitTold := func(what string) {
		apptest.WaitFor(t, 15*time.Second, what, func() bool {
			owed, err := n.App.Store.TicketsToTell(ctx, 10)
			return err == nil && len(owed) == 0
		})
	}
	waitTold("requester told the ticket is accepted")
	n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID), agent, map[string]any{"body": "已派人", "public": true}, nil)
	n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID), agent, map[string]any{"to": "in_progress"}, nil)
	n.Do("PUT", "/api/v1/ticket-routing", n.Token, map[string]any{"rules": []map[string]any{{"type": "incident", "team_id": unit}}}, nil)
	n.Do("PUT", "/api/v1/me/availability", agent, map[string]any{"available": true}, nil)
	n.Do("PUT", fmt.Sprintf("/api/v1/ticket-agents/%d/capacity", agentID), n.Token, map[string]any{"capacity": 4}, nil)
	waitTold("requester told the ticket is in progress")
	n.Stop()
	return n.App.Cfg.DataDir
}

// digest reads everything a user can see through the store interfaces,
// decrypted, into one string.
func digest(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	add := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n", v)
	}
	add(st.ListOrgUnits(ctx))
	add(st.ListUsers(ctx))
	add(st.ListChannels(ctx, store.Scope{All: true}))
	add(st.ListConversations(ctx, store.Scope{All: true}, 0, 500))
	ms, err := st.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Limit: 500, ViewerID: 1})
	add(ms, err)
	for _, m := range ms {
		add(st.ListDeliveries(ctx, m.ID))
		if m.SenderID != 0 {
			p, ids, err := st.GetPerson(ctx, m.SenderID)
			add([]any{p, ids}, err)
			// Sender filters read person_conversations, which the copy carries.
			bySender, err := st.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{SenderID: m.SenderID, Limit: 500})
			add(len(bySender), err)
			if err == nil && len(bySender) == 0 {
				t.Errorf("message %d: none found by its sender %d", m.ID, m.SenderID)
			}
		}
	}
	tickets, err := st.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{})
	add(tickets, err)
	for _, tk := range tickets {
		add(st.TicketSources(ctx, tk.ID))
		add(st.TicketComments(ctx, tk.ID, false))
		add(st.TicketHistory(ctx, tk.ID))
	}
	if len(tickets) != 1 {
		t.Errorf("store holds %d tickets, want 1", len(tickets))
	}
	routing, ok, err := st.TicketRouting(ctx)
	add(routing, err)
	users, err := st.ListUsers(ctx)
	add(len(users), err)
	available := 0
	for _, u := range users {
		ag, err := st.TicketAgent(ctx, u.ID)
		add(ag, err)
		if ag.Available && ag.Capacity == 4 {
			available++
		}
	}
	if !ok || len(routing.Rules) != 1 || available != 1 {
		t.Errorf("routing %+v (set %v) and %d available agents of capacity 4, want one rule and one agent", routing, ok, available)
	}
	entries, err := st.ListAudit(ctx, 1000, false)
	add(entries, err)
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %x %x\n", e.ID, e.PrevHash, e.Hash)
	}
	// 5 posted and replied, plus the requester's ticket notices (已受理, 处理中).
	if len(ms) != 7 || len(entries) < 4 {
		t.Fatalf("store holds %d messages and %d audit entries, want 7 and at least 4", len(ms), len(entries))
	}
	return b.String()
}

func searchIDs(t *testing.T, st store.Store, q string) string {
	t.Helper()
	ms, err := st.ListMessages(context.Background(), store.Scope{All: true},
		store.MessageFilter{Query: strings.Join(search.QueryTerms(q), " "), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return fmt.Sprint(ids)
}

// checkAuditChain requires each copied entry to link to its predecessor and
// a new entry to link to the last copied one.
func checkAuditChain(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	entries, err := st.ListAudit(ctx, 1000, false) // newest first
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(entries); i++ {
		if !bytes.Equal(entries[i].PrevHash, entries[i+1].Hash) {
			t.Errorf("audit %d links to %x, want %d's hash %x", entries[i].ID, entries[i].PrevHash, entries[i+1].ID, entries[i+1].Hash)
		}
	}
	if oldest := entries[len(entries)-1]; len(oldest.PrevHash) != 0 {
		t.Errorf("oldest audit entry links to %s", hex.EncodeToString(oldest.PrevHash))
	}
	e, err := st.AppendAudit(ctx, model.AuditEntry{Login: "admin", Action: "test", Resource: "copy", Allowed: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != entries[0].ID+1 || !bytes.Equal(e.PrevHash, entries[0].Hash) {
		t.Errorf("new audit entry %d links to %x, want id %d linking to %x", e.ID, e.PrevHash, entries[0].ID+1, entries[0].Hash)
	}
}

// checkSequencesMoved inserts rows into copied identity tables: their ids
// must follow the copied ones instead of colliding with them.
func checkSequencesMoved(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	units, err := st.ListOrgUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateOrgUnit(ctx, model.OrgUnit{ParentID: 1, Name: "新部门", Kind: "department"})
	if err != nil || u.ID != int64(len(units))+1 {
		t.Errorf("new org unit after copy: %+v, %v; want id %d", u, err, len(units)+1)
	}
	before, _ := st.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{})
	tk, _, err := st.CreateTicket(ctx, store.NewTicket{Ticket: model.Ticket{Type: "task", Title: "after copy", Status: model.TicketAccepted, Priority: "P3", OrgUnitID: 1}})
	if err != nil || len(before) != 1 || tk.ID != before[0].ID+1 || tk.Number != before[0].Number+1 {
		t.Errorf("new ticket after copy: id %d number %d, %v; want the ones after %+v", tk.ID, tk.Number, err, before)
	}
	n, _ := st.CountUsers(ctx)
	usr, err := st.CreateUser(ctx, model.User{Login: "after-copy", Name: "x", Roles: []model.RoleGrant{{Role: model.RoleMember, OrgUnitID: 1}}})
	if err != nil || usr.ID != int64(n)+1 {
		t.Errorf("new user after copy: %+v, %v; want id %d", usr, err, n+1)
	}
}

// TestMigrateCopyUsage refuses a call without a PostgreSQL target or with a
// key file that is not there, before touching anything.
func TestMigrateCopyUsage(t *testing.T) {
	dir := t.TempDir()
	env := Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: os.Getenv}
	if err := migrateCopy(context.Background(), env, []string{"--from", dir, "--to", "mysql://x"}); !errors.Is(err, errUsage) {
		t.Errorf("mysql target: %v", err)
	}
	err := migrateCopy(context.Background(), env, []string{"--from", dir, "--to", "postgres://127.0.0.1:1/x"})
	if err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("missing key file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.json")); !os.IsNotExist(err) {
		t.Errorf("a key file was created: %v", err)
	}
}
