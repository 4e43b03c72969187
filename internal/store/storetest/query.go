package storetest

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// narrowSenderWindows makes a store that answers sender filters window by
// window (sqldb's person_conversations) use windows of two message ids, so
// the fixtures' few messages span several and every page crosses windows.
func narrowSenderWindows(s store.Store) {
	if n, ok := s.(interface{ SetSenderWindowForTests(int64) }); ok {
		n.SetSenderWindowForTests(2)
	}
}

// corpus stores the message fixtures shared by the filter and scope tests
// and returns their ids by external id.
func corpus(t *testing.T, s store.Store) (org, byExt, map[string]model.Channel) {
	narrowSenderWindows(s)
	o := newOrg(t, s)
	chs := map[string]model.Channel{
		"A":  mustChannel(t, s, model.Channel{Kind: "wecom", Name: "A", OrgUnitID: o.deptA}),
		"A1": mustChannel(t, s, model.Channel{Kind: "slack", Name: "A1", OrgUnitID: o.teamA1}),
		"B":  mustChannel(t, s, model.Channel{Kind: "feishu", Name: "B", OrgUnitID: o.deptB}),
	}
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	shot := envelope(chs["A"].ID, "m3", "c2", "u1", "截图", at(3))
	shot.Kind = model.KindImage
	got := byExt{}
	for _, batch := range []struct {
		ch   string
		envs []model.Envelope
	}{
		{"A", []model.Envelope{
			envelope(chs["A"].ID, "m1", "c1", "u1", "这个问题很紧急，请尽快处理", at(1)),
			envelope(chs["A"].ID, "m2", "c1", "u2", "Server DOWN again", at(2)),
			shot}},
		{"A1", []model.Envelope{envelope(chs["A1"].ID, "m4", "t1", "u3", "紧急: database backup failed", at(4))}},
		{"B", []model.Envelope{
			envelope(chs["B"].ID, "m5", "b1", "u4", "紧急 payroll question", at(5)),
			envelope(chs["B"].ID, "m6", "b1", "u4", "hello world", at(6))}},
	} {
		for _, m := range commit(t, s, chs[batch.ch], batch.envs...) {
			got[m.ExternalID] = m.ID
		}
	}
	return o, got, chs
}

func testMessageFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	o, m, chs := corpus(t, s)
	one, err := s.GetMessage(ctx, all, m["m1"], 0)
	must(t, err)
	u1 := one.SenderID
	five, err := s.GetMessage(ctx, all, m["m5"], 0)
	must(t, err)
	u4 := five.SenderID
	cases := []struct {
		name string
		f    store.MessageFilter
		want []string // newest first
	}{
		{"no filter", store.MessageFilter{}, []string{"m6", "m5", "m4", "m3", "m2", "m1"}},
		{"channel", store.MessageFilter{ChannelID: chs["A"].ID}, []string{"m3", "m2", "m1"}},
		{"conversation", store.MessageFilter{ConversationID: one.ConversationID}, []string{"m2", "m1"}},
		{"sender", store.MessageFilter{SenderID: u1}, []string{"m3", "m1"}},
		{"sender, limit", store.MessageFilter{SenderID: u1, Limit: 1}, []string{"m3"}},
		{"sender with cursor", store.MessageFilter{SenderID: u1, Before: m["m3"]}, []string{"m1"}},
		{"sender, cursor before all", store.MessageFilter{SenderID: u1, Before: m["m1"]}, nil},
		{"sender, oldest first", store.MessageFilter{SenderID: u4, After: m["m1"]}, []string{"m5", "m6"}},
		{"sender, after and limit", store.MessageFilter{SenderID: u4, After: m["m5"], Limit: 1}, []string{"m6"}},
		{"sender between cursors", store.MessageFilter{SenderID: u4, After: m["m1"], Before: m["m6"]}, []string{"m5"}},
		{"sender and conversation", store.MessageFilter{SenderID: u1, ConversationID: one.ConversationID}, []string{"m1"}},
		{"sender and other conversation", store.MessageFilter{SenderID: u4, ConversationID: one.ConversationID}, nil},
		{"sender and kind", store.MessageFilter{SenderID: u1, Kind: model.KindImage}, []string{"m3"}},
		{"sender and query", store.MessageFilter{SenderID: u4, Query: query("hello")}, []string{"m6"}},
		{"sender and time", store.MessageFilter{SenderID: u4, Until: base.Add(6 * time.Minute)}, []string{"m5"}},
		{"unknown sender", store.MessageFilter{SenderID: u4 + 1000}, nil},
		{"org unit with subtree", store.MessageFilter{OrgUnitID: o.deptA}, []string{"m4", "m3", "m2", "m1"}},
		{"org unit leaf", store.MessageFilter{OrgUnitID: o.teamA1}, []string{"m4"}},
		{"kind", store.MessageFilter{Kind: model.KindImage}, []string{"m3"}},
		{"since inclusive, until exclusive", store.MessageFilter{Since: base.Add(2 * time.Minute), Until: base.Add(4 * time.Minute)}, []string{"m3", "m2"}},
		{"cursor", store.MessageFilter{Before: m["m4"]}, []string{"m3", "m2", "m1"}},
		{"cursor and limit", store.MessageFilter{Before: m["m4"], Limit: 2}, []string{"m3", "m2"}},
		{"after, oldest first", store.MessageFilter{After: m["m2"], Limit: 2}, []string{"m3", "m4"}},
		{"limit", store.MessageFilter{Limit: 2}, []string{"m6", "m5"}},
		{"tag nobody has", store.MessageFilter{Tag: "urgent"}, nil},
		{"chinese word", store.MessageFilter{Query: query("紧急")}, []string{"m5", "m4", "m1"}},
		{"chinese word inside a sentence", store.MessageFilter{Query: query("问题")}, []string{"m1"}},
		{"two chinese words", store.MessageFilter{Query: query("处理 紧急")}, []string{"m1"}},
		{"english word, any case", store.MessageFilter{Query: query("server")}, []string{"m2"}},
		{"english words, all must match", store.MessageFilter{Query: query("DOWN Server")}, []string{"m2"}},
		{"mixed chinese and english", store.MessageFilter{Query: query("紧急 database")}, []string{"m4"}},
		{"one term missing", store.MessageFilter{Query: query("紧急 database payroll")}, nil},
		{"sender name is searchable", store.MessageFilter{Query: query("u4")}, []string{"m6", "m5"}},
		{"query within org unit", store.MessageFilter{Query: query("紧急"), OrgUnitID: o.deptA}, []string{"m4", "m1"}},
		{"query with cursor", store.MessageFilter{Query: query("紧急"), Before: m["m5"]}, []string{"m4", "m1"}},
		{"query with cursor and limit", store.MessageFilter{Query: query("紧急"), Before: m["m5"], Limit: 1}, []string{"m4"}},
		{"query after a cursor, oldest first", store.MessageFilter{Query: query("紧急"), After: m["m1"]}, []string{"m4", "m5"}},
		{"query between cursors", store.MessageFilter{Query: query("紧急"), After: m["m1"], Before: m["m5"]}, []string{"m4"}},
	}
	for _, c := range cases {
		got, err := s.ListMessages(ctx, all, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if want := m.ids(c.want...); !sameIDs(ids(got), want) {
			t.Errorf("%s: got %s, want %v", c.name, m.names(ids(got)), c.want)
		}
	}
}

func testMessageScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	o, m, _ := corpus(t, s)
	deptA := store.Scope{Units: []int64{o.deptA}}
	one, err := s.GetMessage(ctx, all, m["m1"], 0)
	must(t, err)
	u1 := one.SenderID
	cases := []struct {
		name  string
		scope store.Scope
		f     store.MessageFilter
		want  []string
	}{
		{"admin sees all", all, store.MessageFilter{}, []string{"m6", "m5", "m4", "m3", "m2", "m1"}},
		{"department sees its subtree only", deptA, store.MessageFilter{}, []string{"m4", "m3", "m2", "m1"}},
		{"other department", store.Scope{Units: []int64{o.deptB}}, store.MessageFilter{}, []string{"m6", "m5"}},
		{"team plus other department", store.Scope{Units: []int64{o.teamA1, o.deptB}}, store.MessageFilter{}, []string{"m6", "m5", "m4"}},
		{"no units sees nothing", store.Scope{Units: []int64{}}, store.MessageFilter{}, nil},
		{"zero scope sees nothing", store.Scope{}, store.MessageFilter{}, nil},
		{"filter cannot widen scope", deptA, store.MessageFilter{OrgUnitID: o.deptB}, nil},
		{"search stays in scope", store.Scope{Units: []int64{o.deptB}}, store.MessageFilter{Query: query("紧急")}, []string{"m5"}},
		{"search with no units", store.Scope{Units: []int64{}}, store.MessageFilter{Query: query("紧急")}, nil},
		{"sender in scope", deptA, store.MessageFilter{SenderID: u1}, []string{"m3", "m1"}},
		{"sender outside scope", store.Scope{Units: []int64{o.deptB}}, store.MessageFilter{SenderID: u1, Limit: 1}, nil},
		{"sender with no units", store.Scope{Units: []int64{}}, store.MessageFilter{SenderID: u1}, nil},
	}
	for _, c := range cases {
		got, err := s.ListMessages(ctx, c.scope, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if want := m.ids(c.want...); !sameIDs(ids(got), want) {
			t.Errorf("%s: got %s, want %v", c.name, m.names(ids(got)), c.want)
		}
	}
}

// searchCorpus stores texts in the scripts and punctuation users type.
func searchCorpus(t *testing.T, s store.Store) byExt {
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: o.root})
	texts := map[string]string{
		"s1": "这个问题很紧急",
		"s2": "iPhone15出问题了！请联系 IT-support@example.com",
		"s3": "订单ORD-2024出错了",
		"s4": "Deploy failed: disk full (node-7)",
		"s5": "紧张的会议 — meeting at 3pm",
		"s6": "サーバーが停止しました",
		"s7": "서버가 다운되었습니다",
		"s8": "it's the server's fault; don't panic",
		"s9": "问题",
	}
	var envs []model.Envelope
	for _, ext := range []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"} {
		e := envelope(ch.ID, ext, "c", "bot", texts[ext], base)
		e.SenderName, e.ConvTitle = "", ""
		envs = append(envs, e)
	}
	m := byExt{}
	for _, msg := range commit(t, s, ch, envs...) {
		m[msg.ExternalID] = msg.ID
	}
	return m
}

// testSearchSameResults pins what full-text search finds for one fixed
// corpus. Every backend runs this same table, so SQLite FTS5 and PostgreSQL
// full-text are held to identical answers for identical data.
func testSearchSameResults(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := searchCorpus(t, s)
	cases := []struct {
		q    string
		want []string
	}{
		{"问题", []string{"s9", "s2", "s1"}},
		{"问", []string{"s9", "s2", "s1"}},
		{"紧急", []string{"s1"}},
		{"紧", []string{"s5", "s1"}},
		{"问题很紧急", []string{"s1"}},
		{"紧急问题", nil}, // the bigram 急问 is not in the text
		{"iphone15", []string{"s2"}},
		{"iphone", nil}, // words match whole, not by prefix
		{"IPHONE15 问题", []string{"s2"}},
		{"support example", []string{"s2"}},
		{"ord 2024", []string{"s3"}},
		{"2024 出错", []string{"s3"}},
		{"订单出错", nil},
		{"disk FULL", []string{"s4"}},
		{"node 7", []string{"s4"}},
		{"3pm", []string{"s5"}},
		{"meeting 紧张", []string{"s5"}},
		{"停止", []string{"s6"}},
		{"서버가", []string{"s7"}},
		{"don't", []string{"s8"}},
		{"server", []string{"s8"}},
		{"s", []string{"s8"}},
		{"the", []string{"s8"}},
		{"and or not", nil},
		{"nothing here", nil},
	}
	for _, c := range cases {
		got, err := s.ListMessages(ctx, all, store.MessageFilter{Query: query(c.q)})
		if err != nil {
			t.Errorf("query %q: %v", c.q, err)
			continue
		}
		if want := m.ids(c.want...); !sameIDs(ids(got), want) {
			t.Errorf("query %q (terms %q): got %s, want %v", c.q, query(c.q), m.names(ids(got)), c.want)
		}
	}
}
