package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// TestRuleChangeReachesEveryNode runs two nodes on one PostgreSQL schema and
// one NATS: a rule created through node A tags messages arriving at node B,
// which heard of the change only from the bus.
func TestRuleChangeReachesEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	h := a.CreateWebhook("ERP", 1, "")
	if m := ingest(t, b, h, "b-before", "紧急：停机"); len(m.Tags) != 0 {
		t.Fatalf("tagged %v before any rule exists", m.Tags)
	}
	if st := a.Do("POST", "/api/v1/rules", a.Token, urgentRule("紧急"), nil); st != 201 {
		t.Fatalf("create rule on node a: %d", st)
	}
	i := 0
	apptest.WaitFor(t, 5*time.Second, "node b to apply the rule made on node a", func() bool {
		i++
		return slices.Contains(ingest(t, b, h, fmt.Sprintf("b-after-%d", i), "紧急：停机").Tags, "紧急")
	})
}
