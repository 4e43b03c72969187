package dingtalk

import (
	"testing"
	"time"
)

// Routes are written when they change or their expiry moved on by
// persistEvery, not at every message; a stale route from the store never
// replaces a newer one in memory.
func TestRoutesPersistOnlyWhatChanged(t *testing.T) {
	now := time.Now()
	r := newRoutes(10, func() time.Time { return now })
	hook := func(name string, exp time.Duration) route {
		return route{group: true, webhook: "https://oapi/" + name, expires: now.Add(exp)}
	}
	for _, c := range []struct {
		name    string
		rt      route
		persist bool
	}{
		{"first message", hook("a", 90*time.Minute), true},
		{"same webhook, a minute later", hook("a", 91*time.Minute), false},
		{"same webhook, ten minutes later", hook("a", 100*time.Minute), true},
		{"older retried push", hook("old", 30*time.Minute), false},
		{"new webhook", hook("b", 101*time.Minute), true},
	} {
		if _, persist := r.note("cid", c.rt); persist != c.persist {
			t.Errorf("%s: persist = %v", c.name, persist)
		}
	}
	r.loaded("cid", hook("stale", 95*time.Minute))
	if rt, _, _ := r.get("cid"); rt.webhook != "https://oapi/b" {
		t.Errorf("a stale stored route replaced the newer one: %+v", rt)
	}
	r.loaded("cid2", route{staffID: "zhang3"})
	if rt, known, live := r.get("cid2"); !known || live || rt.staffID != "zhang3" || rt.group {
		t.Errorf("loaded 1:1 route = %+v known %v live %v", rt, known, live)
	}
}
