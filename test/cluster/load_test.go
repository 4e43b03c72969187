package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/loadgen"
)

// loadEach sends n signed webhooks to every node at once (n = 1,000,000
// means "until ctx ends"), each node's under its own id prefix, and returns
// one result per node.
func (c *cluster) loadEach(ctx context.Context, chID int64, secret, prefix string, n, conc int) []*loadgen.Result {
	c.t.Helper()
	res := make([]*loadgen.Result, len(c.nodes))
	var wg sync.WaitGroup
	for i, nd := range c.nodes {
		wg.Go(func() {
			r, err := loadgen.Run(ctx, loadgen.Config{BaseURL: nd.url, ChannelID: chID, Secret: secret, N: n,
				Concurrency: conc, Prefix: fmt.Sprintf("%s-%s", prefix, nd.name), Convs: 20, Timeout: 10 * time.Second})
			if err != nil {
				c.t.Error(err)
				r = &loadgen.Result{}
			}
			res[i] = r
		})
	}
	wg.Wait()
	for i, r := range res {
		c.t.Logf("%s: %d sent, %d acknowledged, %d non-2xx, %d transport errors", c.nodes[i].name,
			r.Attempted(), r.OK.Load(), r.Non2xx.Load(), r.Errors.Load())
	}
	return res
}

// acked returns every acknowledged external id of the runs.
func acked(res []*loadgen.Result) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.Acked()...)
	}
	return out
}

// checkStored asserts acknowledged ⊆ stored ⊆ sent and stored = unique,
// reading the channel through node i, and returns the number stored.
func (c *cluster) checkStored(i int, chID int64, res []*loadgen.Result) int {
	c.t.Helper()
	ids, err := c.api(i).ExternalIDs(context.Background(), chID)
	if err != nil {
		c.t.Fatal(err)
	}
	stored := map[string]int{}
	for _, id := range ids {
		if strings.HasPrefix(id, "out:") {
			continue // a reply some tests send; not part of the load
		}
		stored[id]++
	}
	sent := map[string]bool{}
	for _, r := range res {
		for _, id := range r.Sent() {
			sent[id] = true
		}
	}
	ack := acked(res)
	total := 0
	for _, k := range stored {
		total += k
	}
	c.t.Logf("stored %d (%d unique), acknowledged %d, sent %d", total, len(stored), len(ack), len(sent))
	if len(stored) != total {
		c.t.Errorf("%d stored messages but %d unique external ids: duplicates", total, len(stored))
	}
	lost := 0
	for _, id := range ack {
		if stored[id] == 0 {
			lost++
		}
	}
	if lost > 0 {
		c.t.Errorf("%d of %d acknowledged messages were lost", lost, len(ack))
	}
	for id := range stored {
		if !sent[id] {
			c.t.Errorf("stored %q, which was never sent", id)
		}
	}
	return total
}

// listen opens an SSE client on node i as admin (who sees every message).
func (c *cluster) listen(ctx context.Context, i int) *loadgen.Listener {
	c.t.Helper()
	l, err := loadgen.Listen(ctx, c.nodes[i].url, c.token)
	if err != nil {
		c.t.Fatalf("SSE on %s: %v", c.nodes[i].name, err)
	}
	return l
}

// waitSeen requires listener l (on node i) to see every id within timeout.
func (c *cluster) waitSeen(t *testing.T, l *loadgen.Listener, i int, ids []string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if missing := l.WaitAll(ctx, ids, timeout); missing != 0 {
		distinct, events := l.Count()
		t.Errorf("SSE client on %s is missing %d of %d messages (saw %d distinct, %d events, stream err %v)",
			c.nodes[i].name, missing, len(ids), distinct, events, l.Err())
	}
}

// receiver is an in-house system's reply endpoint that answers slowly, so a
// node holds its claimed deliveries for a while.
type receiver struct {
	delay time.Duration
	mu    sync.Mutex
	got   map[string]int // reply text → times received
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text string `json:"text"`
	}
	_ = json.NewDecoder(r.Body).Decode(&m)
	time.Sleep(rv.delay)
	rv.mu.Lock()
	rv.got[m.Text]++
	rv.mu.Unlock()
	fmt.Fprintf(w, `{"id":%q}`, m.Text)
}

// check requires every reply to have arrived at least once (a node killed
// between sending and recording may cause one repeat: at-least-once).
func (rv *receiver) check(t *testing.T, texts []string) {
	t.Helper()
	rv.mu.Lock()
	defer rv.mu.Unlock()
	repeats := 0
	for _, s := range texts {
		switch rv.got[s] {
		case 0:
			t.Errorf("reply %q never arrived", s)
		case 1:
		default:
			repeats++
		}
	}
	t.Logf("%d replies received, %d of them more than once", len(texts), repeats)
}

// webhookTo creates a webhook channel whose replies go to url.
func (c *cluster) webhookTo(url string) (int64, string) {
	c.t.Helper()
	var ch struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	err := c.api(0).Do(context.Background(), http.MethodPost, "/api/v1/channels",
		map[string]any{"kind": "webhook", "name": "replies", "org_unit_id": 1, "settings": map[string]string{"url": url}}, &ch)
	if err != nil {
		c.t.Fatal(err)
	}
	return ch.ID, ch.Secret
}

// reply sends n replies through node i into the channel's conversations and
// returns their texts.
func (c *cluster) reply(i int, chID int64, n int) []string {
	c.t.Helper()
	ctx := context.Background()
	var convs struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := c.api(i).Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/conversations?channel_id=%d&limit=100", chID), nil, &convs); err != nil || len(convs.Items) == 0 {
		c.t.Fatalf("conversations: %v (%d)", err, len(convs.Items))
	}
	var texts []string
	for k := range n {
		text := fmt.Sprintf("reply-%d", k)
		path := fmt.Sprintf("/api/v1/conversations/%d/reply", convs.Items[k%len(convs.Items)].ID)
		if err := c.api(i).Do(ctx, http.MethodPost, path, map[string]string{"text": text}, nil); err != nil {
			c.t.Fatalf("reply: %v", err)
		}
		texts = append(texts, text)
	}
	return texts
}
