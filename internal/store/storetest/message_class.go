package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// classify is the annotator of testMessageClass: "紧急" is P1 and
// confidential, "payroll" is finance with a 3-year retention class.
func classify(m *model.Message) {
	if strings.Contains(m.Text, "紧急") {
		m.Priority, m.Confidential = "P1", true
	}
	if strings.Contains(m.Text, "payroll") {
		m.Category, m.RetentionClass = "finance", "finance-3y"
	}
}

// testMessageClass: what rules decide about a message (category, priority,
// retention class, confidential) is stored in its intake commit, returned
// by every read, filterable, and confidential messages are left out of
// every query for a caller without Secret rights on their unit.
func testMessageClass(t *testing.T, s store.Store) {
	ctx := context.Background()
	an, ok := s.(store.Annotating)
	if !ok {
		t.Fatal("store does not support annotation")
	}
	an.SetAnnotator(classify)
	o, m, _ := corpus(t, s)
	got, err := s.GetMessage(ctx, all, m["m5"], 0)
	must(t, err)
	if got.Priority != "P1" || !got.Confidential || got.Category != "finance" || got.RetentionClass != "finance-3y" {
		t.Fatalf("m5 class = %q %q %q %v", got.Category, got.Priority, got.RetentionClass, got.Confidential)
	}
	if got, _ := s.GetMessage(ctx, all, m["m6"], 0); got.Priority != "" || got.Confidential || got.Category != "" {
		t.Errorf("unclassified m6 = %+v", got)
	}
	yes, no := true, false
	deptA, deptB := store.Scope{Units: []int64{o.deptA}}, store.Scope{Units: []int64{o.deptB}}
	headA := store.Scope{Units: []int64{o.deptA, o.deptB}, Secret: []int64{o.deptA}}
	cases := []struct {
		name  string
		scope store.Scope
		f     store.MessageFilter
		want  []string
	}{
		{"admin sees confidential", all, store.MessageFilter{}, []string{"m6", "m5", "m4", "m3", "m2", "m1"}},
		{"priority filter", all, store.MessageFilter{Priority: "P1"}, []string{"m5", "m4", "m1"}},
		{"category filter", all, store.MessageFilter{Category: "finance"}, []string{"m5"}},
		{"only confidential", all, store.MessageFilter{Confidential: &yes}, []string{"m5", "m4", "m1"}},
		{"only not confidential", all, store.MessageFilter{Confidential: &no}, []string{"m6", "m3", "m2"}},
		{"member does not see confidential", deptA, store.MessageFilter{}, []string{"m3", "m2"}},
		{"member's search skips confidential", deptB, store.MessageFilter{Query: query("紧急")}, nil},
		{"head sees confidential in own unit only", headA, store.MessageFilter{}, []string{"m6", "m4", "m3", "m2", "m1"}},
		{"head's priority filter", headA, store.MessageFilter{Priority: "P1"}, []string{"m4", "m1"}},
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
	if _, err := s.GetMessage(ctx, deptB, m["m5"], 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("member reads confidential m5: err = %v", err)
	}
	if got, err := s.GetMessage(ctx, headA, m["m1"], 0); err != nil || !got.Confidential {
		t.Errorf("head reads m1: %+v, %v", got, err)
	}
}
