package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// sampleRule is a rule using most condition and action kinds, so a
// round trip through the JSON column is checked on all of them.
func sampleRule(name string, pos int) rules.Rule {
	return rules.Rule{Name: name, Enabled: true, Position: pos, Stop: pos%2 == 0,
		Conditions: rules.Conditions{ChannelKinds: []string{"wecom"}, Kinds: []model.MessageKind{model.KindText},
			Keywords: rules.Keywords{Any: []string{"紧急", "urgent"}, None: []string{"测试"}}, Regex: []string{`(?i)\bP1\b`},
			Time: rules.TimeWindow{Weekdays: rules.Weekdays{time.Monday, time.Friday}, From: "09:00", To: "18:00"}},
		Actions: rules.Actions{Tags: []string{"紧急"}, Priority: "P1", Notify: rules.NotifyDigest,
			DigestInterval: rules.Duration(30 * time.Minute), Task: rules.Task{Deadline: rules.Duration(24 * time.Hour)}},
	}
}

func ruleIDs(rs []rules.Rule) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func mustCreateRule(t *testing.T, s store.Store, r rules.Rule) rules.Rule {
	t.Helper()
	r, err := s.CreateRule(context.Background(), r)
	if err != nil || r.ID == 0 {
		t.Fatalf("create rule %q: id %d, %v", r.Name, r.ID, err)
	}
	return r
}

func testRulesCRUD(t *testing.T, s store.Store) {
	ctx := context.Background()
	late := mustCreateRule(t, s, sampleRule("late", 20))
	early := mustCreateRule(t, s, sampleRule("early", 10))
	tie := mustCreateRule(t, s, sampleRule("tie", 10))
	list, err := s.ListRules(ctx)
	must(t, err)
	if got, want := ruleIDs(list), []int64{early.ID, tie.ID, late.ID}; !sameIDs(got, want) {
		t.Errorf("ListRules order = %v, want %v (position, then id)", got, want)
	}
	got, err := s.GetRule(ctx, early.ID)
	must(t, err)
	if !reflect.DeepEqual(got, early) {
		t.Errorf("GetRule = %+v\nwant %+v", got, early)
	}

	late.Name, late.Position, late.Enabled = "now first", 1, false
	late.Actions = rules.Actions{Tags: []string{"moved"}}
	_, err = s.UpdateRule(ctx, late)
	must(t, err)
	got, err = s.GetRule(ctx, late.ID)
	must(t, err)
	if !reflect.DeepEqual(got, late) {
		t.Errorf("after update = %+v\nwant %+v", got, late)
	}
	list, _ = s.ListRules(ctx)
	if ids := ruleIDs(list); len(ids) != 3 || ids[0] != late.ID {
		t.Errorf("after moving to position 1: order %v", ids)
	}

	must(t, s.DeleteRule(ctx, tie.ID))
	_, err = s.GetRule(ctx, tie.ID)
	wantErr(t, "GetRule deleted", err, store.ErrNotFound)
	wantErr(t, "DeleteRule again", s.DeleteRule(ctx, tie.ID), store.ErrNotFound)
	_, err = s.UpdateRule(ctx, rules.Rule{ID: 9999, Name: "x"})
	wantErr(t, "UpdateRule unknown", err, store.ErrNotFound)
}

func testReplaceRules(t *testing.T, s store.Store) {
	ctx := context.Background()
	old := mustCreateRule(t, s, sampleRule("old", 1))
	kept := mustCreateRule(t, s, sampleRule("kept", 2))

	kept.Name = "kept, renamed"
	got, err := s.ReplaceRules(ctx, []rules.Rule{sampleRule("new", 3), kept, {ID: 500, Name: "explicit", Enabled: true, Position: 4,
		Actions: rules.Actions{Tags: []string{"x"}}}})
	must(t, err)
	if got[1].ID != kept.ID || got[2].ID != 500 || got[0].ID == 0 || got[0].ID == old.ID {
		t.Errorf("ReplaceRules ids = %v: want a new id, %d kept, 500 kept", ruleIDs(got), kept.ID)
	}
	list, _ := s.ListRules(ctx)
	if !reflect.DeepEqual(list, []rules.Rule{kept, got[0], got[2]}) {
		t.Errorf("after replace = %+v", list)
	}
	// A create after an import must not collide with the ids it set.
	after := mustCreateRule(t, s, sampleRule("after import", 5))
	if after.ID == 500 || after.ID == kept.ID || after.ID == got[0].ID {
		t.Errorf("create after import reused id %d", after.ID)
	}

	// Two rules with one id: the second insert fails, and the first
	// insert and the delete before it must be rolled back with it.
	before, _ := s.ListRules(ctx)
	_, err = s.ReplaceRules(ctx, []rules.Rule{{ID: 7, Name: "a", Enabled: true, Actions: rules.Actions{Tags: []string{"a"}}},
		{ID: 7, Name: "b", Enabled: true, Actions: rules.Actions{Tags: []string{"b"}}}})
	if err == nil {
		t.Fatal("ReplaceRules with a duplicate id succeeded")
	}
	if now, _ := s.ListRules(ctx); !reflect.DeepEqual(now, before) {
		t.Errorf("failed ReplaceRules changed the rules:\n%+v\nwant %+v", now, before)
	}

	_, err = s.ReplaceRules(ctx, nil)
	must(t, err)
	if now, _ := s.ListRules(ctx); len(now) != 0 {
		t.Errorf("ReplaceRules(nil) left %d rules", len(now))
	}
}
