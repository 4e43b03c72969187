package outbox

import (
	"testing"
	"time"
)

// With three nodes each keeping to its share, a Feishu group gets no more
// sends from the whole cluster than Feishu allows one app (5/s, burst 5);
// without the share the three nodes would send three times that.
func TestClusterStaysUnderThePlatformLimit(t *testing.T) {
	lim := PlatformLimits["feishu"].Destination[0]
	t0 := time.Unix(1_700_000_000, 0)
	const span = 10 * time.Second
	allowed := lim.Burst + int(span/lim.Every) // what Feishu accepts in span
	for _, tc := range []struct {
		name   string
		nodes  int
		shared bool
	}{{"one node", 1, true}, {"three nodes sharing", 3, true}, {"three nodes not told", 3, false}} {
		sent := 0
		for range tc.nodes {
			l := newLimiter(map[string]Limits{"feishu": {Destination: []Limit{lim}}})
			if tc.shared {
				l.setNodes(tc.nodes)
			}
			for at := time.Duration(0); at <= span; at += 10 * time.Millisecond {
				if l.take("feishu", 1, "oc_group", t0.Add(at)) == 0 {
					sent++
				}
			}
		}
		over := sent > allowed
		if over != !tc.shared {
			t.Errorf("%s: %d sends to one group in %s, Feishu allows %d", tc.name, sent, span, allowed)
		}
		if tc.shared && sent < allowed*2/3 {
			t.Errorf("%s: only %d of the %d allowed sends", tc.name, sent, allowed)
		}
	}
}
