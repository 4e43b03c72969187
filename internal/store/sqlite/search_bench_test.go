package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
)

// searchTexts are the kinds of message a service desk gets, each indexed
// like the intake indexes it (search.MessageTerms). Message i carries text
// i % len: "紧急" is in 1 of 25 (40,000 of 1M), "打印机" in 1 of 5.
func searchTexts() []string {
	things := []string{"打印机", "网络", "发票", "订单", "设备", "VPN", "账号", "服务器", "显示器", "the printer"}
	troubles := []string{"坏了", "连不上", "很慢", "一直报错", "无法登录", "需要更换", "is down again", "没反应", "出问题了", "要重新配置"}
	var out []string
	for i := range 100 {
		text := things[i%len(things)] + troubles[(i/len(things))%len(troubles)] + "，麻烦看一下 please check"
		if i%25 == 0 {
			text = "紧急：" + text
		}
		out = append(out, text)
	}
	return out
}

// BenchmarkSearch measures the inbox search over 1M messages in two
// departments: a common word, two words, a rare one, a word nothing has,
// English, a department member's scope and a page further back. Each
// query's p95 is reported (target < 50 ms, the developers' guide).
//
//	go test -run '^$' -bench Search -benchtime 200x ./internal/store/sqlite/
func BenchmarkSearch(b *testing.B) {
	const total = 1_000_000
	db, raw, unitA, unitB := seedSearch(b, total)
	defer db.Close()
	defer raw.Close()
	ctx := context.Background()
	var mid int64
	if err := raw.QueryRowContext(ctx, `SELECT id FROM messages WHERE external_id = 'x500000'`).Scan(&mid); err != nil {
		b.Fatal(err)
	}
	all, inA, inB := store.Scope{All: true}, store.Scope{Units: []int64{unitA}}, store.Scope{Units: []int64{unitB}}
	for _, c := range []struct {
		name  string
		scope store.Scope
		q     string
		f     store.MessageFilter
		want  int
	}{
		{"common/紧急", all, "紧急", store.MessageFilter{}, 50},
		{"common/member", inA, "紧急", store.MessageFilter{}, 50},
		{"two-words/打印机+坏了", all, "打印机 坏了", store.MessageFilter{}, 50},
		{"english/printer", all, "printer", store.MessageFilter{}, 50},
		{"rare/order-number", all, "SO20261234", store.MessageFilter{}, 1},
		{"rare/other-department", inB, "SO20261234", store.MessageFilter{}, 0},
		{"none/量子", all, "量子", store.MessageFilter{}, 0},
		{"common/page-mid", all, "紧急", store.MessageFilter{Before: mid}, 50},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := c.f
			f.Query = strings.Join(search.QueryTerms(c.q), " ")
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := db.ListMessages(ctx, c.scope, f)
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != c.want {
					b.Fatalf("%q found %d messages, want %d", c.q, len(got), c.want)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// seedSearch writes total messages with SQL (seconds, not the writer's
// minutes): conversations 1..1000, odd ones in unit A's channel, even ones
// in unit B's, and their search index from searchTexts; one message in
// unit A carries an order number nothing else has.
func seedSearch(b testing.TB, total int) (db *sqldb.DB, raw *sql.DB, unitA, unitB int64) {
	keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	path := filepath.Join(b.TempDir(), "search.db")
	d, err := Open(context.Background(), path, keys)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	root, _ := d.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
	a, _ := d.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "A", Kind: "department"})
	bu, _ := d.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "B", Kind: "department"})
	chA, _ := d.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "a", OrgUnitID: a.ID, Config: []byte(`{}`), Enabled: true})
	chB, _ := d.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "b", OrgUnitID: bu.ID, Config: []byte(`{}`), Enabled: true})
	now := time.Now()
	if _, _, err := d.AcceptInbox(ctx, []store.InboxEntry{{Target: &store.Target{OrgUnitID: a.ID, Kind: "webhook"},
		Envelope: model.Envelope{ChannelID: chA.ID, ExternalID: "seed", ConvID: "seed", SenderID: "seed", Kind: model.KindText,
			Text: "订单 SO20261234 的发票开错了", SentAt: now, ReceivedAt: now}}}); err != nil {
		b.Fatal(err)
	}
	raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	texts := searchTexts()
	steps := []struct {
		q    string
		args []any
	}{
		{`CREATE TEMP TABLE pool (k INTEGER PRIMARY KEY, terms TEXT)`, nil},
		{`INSERT INTO messages (channel_id, channel_kind, org_unit_id, conversation_id, external_id, direction,
			sender_id, sender_name, kind, body, sent_at, received_at)
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		SELECT CASE i % 2 WHEN 1 THEN ? ELSE ? END, 'webhook', CASE i % 2 WHEN 1 THEN ? ELSE ? END,
			1 + i % 1000, 'x' || i, 'in', NULL, 'n', 'text', (SELECT body FROM messages LIMIT 1), i, i
		FROM seq`, []any{total, chA.ID, chB.ID, a.ID, bu.ID}},
	}
	for k, text := range texts {
		steps = append(steps, struct {
			q    string
			args []any
		}{`INSERT INTO pool (k, terms) VALUES (?, ?)`, []any{k, search.MessageTerms(text, "客户", "报修群")}})
	}
	steps = append(steps, struct {
		q    string
		args []any
	}{fmt.Sprintf(`INSERT INTO message_fts (rowid, terms) SELECT m.id, p.terms FROM messages m JOIN pool p ON p.k = m.id %% %d
		WHERE m.external_id <> 'seed'`, len(texts)), nil})
	for _, s := range steps {
		if _, err := raw.ExecContext(ctx, s.q, s.args...); err != nil {
			b.Fatal(err)
		}
	}
	return d, raw, a.ID, bu.ID
}
