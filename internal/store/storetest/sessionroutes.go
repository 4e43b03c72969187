package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// testSessionRoutes: a route saved by one node is read back whole (by any
// node sharing the database), replaced by a newer one, kept per channel,
// and gone with its channel.
func testSessionRoutes(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	a := mustChannel(t, s, model.Channel{Kind: "dingtalk", Name: "a", OrgUnitID: o.deptA})
	b := mustChannel(t, s, model.Channel{Kind: "dingtalk", Name: "b", OrgUnitID: o.deptA})
	if _, _, err := s.SessionRoute(ctx, a.ID, "cid1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown route: %v", err)
	}
	exp := time.Now().Add(90 * time.Minute).Truncate(time.Microsecond).UTC()
	for _, r := range []string{`{"webhook":"https://oapi/one"}`, `{"webhook":"https://oapi/two"}`} {
		if err := s.SaveSessionRoute(ctx, a.ID, "cid1", []byte(r), exp); err != nil {
			t.Fatal(err)
		}
	}
	route, got, err := s.SessionRoute(ctx, a.ID, "cid1")
	if err != nil || string(route) != `{"webhook":"https://oapi/two"}` || !got.Equal(exp) {
		t.Errorf("route = %s %v %v, want the second, expiring %v", route, got, err, exp)
	}
	if _, _, err := s.SessionRoute(ctx, b.ID, "cid1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("route leaked to another channel: %v", err)
	}
	must(t, s.DeleteChannel(ctx, a.ID))
	if _, _, err := s.SessionRoute(ctx, a.ID, "cid1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("route outlived its channel: %v", err)
	}
}
