package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// testRecordAndClaim: one call records a round's outcomes (several sent in
// one statement, a retry, an unknown id skipped) and leases the next round.
func testRecordAndClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: o.deptA})
	for i := range 5 {
		_, err := s.Enqueue(ctx, nil, delivery(ch.ID, fmt.Sprint("k", i), time.Time{}))
		must(t, err)
	}
	now := time.Now()
	first, err := s.ClaimDeliveries(ctx, "n1", now, now.Add(time.Minute), 3)
	must(t, err)
	if len(first) != 3 {
		t.Fatalf("claimed %d, want 3", len(first))
	}
	outs := []store.DeliveryOutcome{
		{ID: first[0].ID, Kind: store.OutcomeSent, ExternalID: "ext-0", At: now},
		{ID: first[1].ID, Kind: store.OutcomeSent, ExternalID: "ext-1", At: now},
		{ID: first[2].ID, Kind: store.OutcomeRetry, Next: now.Add(time.Hour), Err: "503"},
		{ID: 999999, Kind: store.OutcomeSent, ExternalID: "gone", At: now},
	}
	next, err := s.RecordAndClaim(ctx, outs, "n1", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(next) != 2 {
		t.Errorf("next round = %d deliveries, want the 2 not yet claimed", len(next))
	}
	for i, want := range []struct {
		state model.DeliveryState
		ext   string
	}{{model.DeliverySent, "ext-0"}, {model.DeliverySent, "ext-1"}, {model.DeliveryFailed, ""}} {
		d, err := s.GetDelivery(ctx, first[i].ID)
		must(t, err)
		if d.State != want.state || d.ExternalID != want.ext || d.Attempts != 1 {
			t.Errorf("delivery %d = %s %q attempts %d, want %s %q 1", i, d.State, d.ExternalID, d.Attempts, want.state, want.ext)
		}
	}
	if last, err := s.RecordAndClaim(ctx, nil, "n1", now, now.Add(time.Minute), 10); err != nil || len(last) != 0 {
		t.Errorf("nothing left to claim: %d, %v", len(last), err)
	}
}
