package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func testChannels(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	cfg := []byte(`{"app_secret":"s3cr3t","corp_id":"ww1"}`)
	c := mustChannel(t, s, model.Channel{Kind: "wecom", Name: "WeCom support", OrgUnitID: o.deptA, Config: cfg, Enabled: true})
	got, err := s.GetChannel(ctx, c.ID)
	must(t, err)
	if got.Kind != "wecom" || got.Name != "WeCom support" || got.OrgUnitID != o.deptA || !got.Enabled ||
		!bytes.Equal(got.Config, cfg) || got.CreatedAt.IsZero() {
		t.Errorf("channel roundtrip = %+v config %s", got, got.Config)
	}

	got.Name, got.OrgUnitID, got.Enabled, got.Config = "WeCom finance", o.deptB, false, []byte(`{"app_secret":"rotated"}`)
	upd, err := s.UpdateChannel(ctx, got)
	must(t, err)
	again, err := s.GetChannel(ctx, c.ID)
	must(t, err)
	for _, ch := range []model.Channel{upd, again} {
		if ch.Name != "WeCom finance" || ch.OrgUnitID != o.deptB || ch.Enabled || string(ch.Config) != `{"app_secret":"rotated"}` {
			t.Errorf("after update = %+v config %s", ch, ch.Config)
		}
	}

	_, err = s.GetChannel(ctx, 9999)
	wantErr(t, "GetChannel unknown", err, store.ErrNotFound)
	_, err = s.UpdateChannel(ctx, model.Channel{ID: 9999, Name: "x", OrgUnitID: o.root})
	wantErr(t, "UpdateChannel unknown", err, store.ErrNotFound)
}

func testChannelScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	a := mustChannel(t, s, model.Channel{Kind: "slack", Name: "A", OrgUnitID: o.deptA})
	a1 := mustChannel(t, s, model.Channel{Kind: "slack", Name: "A1", OrgUnitID: o.teamA1})
	b := mustChannel(t, s, model.Channel{Kind: "slack", Name: "B", OrgUnitID: o.deptB})
	cases := []struct {
		name  string
		scope store.Scope
		want  []int64
	}{
		{"admin sees all", store.Scope{All: true}, []int64{a.ID, a1.ID, b.ID}},
		{"department sees its subtree", store.Scope{Units: []int64{o.deptA}}, []int64{a.ID, a1.ID}},
		{"team sees only its own", store.Scope{Units: []int64{o.teamA1}}, []int64{a1.ID}},
		{"two units", store.Scope{Units: []int64{o.teamA1, o.deptB}}, []int64{a1.ID, b.ID}},
		{"no units sees nothing", store.Scope{Units: []int64{}}, nil},
		{"zero scope sees nothing", store.Scope{}, nil},
	}
	for _, c := range cases {
		list, err := s.ListChannels(ctx, c.scope)
		must(t, err)
		var got []int64
		for _, ch := range list {
			got = append(got, ch.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ListChannels = %v, want %v", c.name, got, c.want)
		}
	}
}

func testDeleteChannel(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	idle := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "idle", OrgUnitID: o.deptA})
	busy := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "busy", OrgUnitID: o.deptA})
	commit(t, s, busy, envelope(busy.ID, "m1", "c1", "u1", "hello", base))

	must(t, s.DeleteChannel(ctx, idle.ID))
	_, err := s.GetChannel(ctx, idle.ID)
	wantErr(t, "GetChannel after delete", err, store.ErrNotFound)
	wantErr(t, "delete channel with messages", s.DeleteChannel(ctx, busy.ID), store.ErrConflict)
	if _, err := s.GetChannel(ctx, busy.ID); err != nil {
		t.Errorf("refused delete still removed the channel: %v", err)
	}
	wantErr(t, "delete unknown channel", s.DeleteChannel(ctx, 9999), store.ErrNotFound)
}
