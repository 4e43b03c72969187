package storetest

import (
	"context"
	"fmt"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// testUnitChains: org unit chains (0 the default) are stored whole,
// replaced, and removed by an empty chain.
func testUnitChains(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	a := []model.NotifyHop{{ChannelID: 1, Destination: "oc_support"}, {ChannelID: 2, Destination: "support@corp"}}
	must(t, s.SetUnitChain(ctx, o.deptA, a))
	must(t, s.SetUnitChain(ctx, 0, []model.NotifyHop{{ChannelID: 2, Destination: "ops@corp"}}))
	must(t, s.SetUnitChain(ctx, o.deptB, []model.NotifyHop{{ChannelID: 1, Destination: "old"}}))
	must(t, s.SetUnitChain(ctx, o.deptB, []model.NotifyHop{{ChannelID: 1, Destination: "oc_finance"}}))
	got, err := s.UnitChains(ctx)
	must(t, err)
	want := map[int64][]model.NotifyHop{o.deptA: a, 0: {{ChannelID: 2, Destination: "ops@corp"}},
		o.deptB: {{ChannelID: 1, Destination: "oc_finance"}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("chains = %v, want %v", got, want)
	}
	must(t, s.SetUnitChain(ctx, o.deptA, nil))
	if got, _ := s.UnitChains(ctx); len(got) != 2 || got[o.deptA] != nil {
		t.Errorf("after removing deptA's chain: %v", got)
	}
}
