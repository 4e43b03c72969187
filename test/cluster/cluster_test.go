// Package cluster runs several `switchboard serve` processes built from this
// repository against one PostgreSQL schema and one nats-server, and checks
// the scale-out promises: work is shared through the store's claims and
// leases, events reach browsers on every node, a dead node's work is taken
// over, and faults of PostgreSQL or NATS lose nothing acknowledged.
package cluster

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/internal/loadgen"
)

// TestThreeNodesShareOneInbox spreads signed webhooks over three nodes: each
// message is stored once, and an SSE client on every node sees every
// message — most of them committed and processed on another node.
func TestThreeNodesShareOneInbox(t *testing.T) {
	c := newCluster(t, 3)
	chID, secret := c.webhook()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ls []*loadgen.Listener
	for i := range c.nodes {
		ls = append(ls, c.listen(ctx, i))
	}
	res := c.loadEach(context.Background(), chID, secret, "share", 300, 6)
	ack := acked(res)
	if len(ack) != 900 {
		t.Fatalf("%d of 900 messages acknowledged\n%s", len(ack), c.logs())
	}
	for i, l := range ls {
		c.waitSeen(t, l, i, ack, 15*time.Second)
		if distinct, events := l.Count(); events != distinct {
			t.Errorf("SSE client on %s got %d message events for %d messages: repeats", c.nodes[i].name, events, distinct)
		}
	}
	c.waitDrained(10 * time.Second)
	if n := c.checkStored(2, chID, res); n != 900 {
		t.Errorf("stored %d messages, want 900", n)
	}
}

// TestKilledNodesWorkIsFinishedByOthers kills one of three nodes with
// SIGKILL under sustained webhook load while it is sending replies to a slow
// receiver. Its claimed deliveries must be sent by the other two once the
// lease (2s) runs out, and the inbox must drain while it is still down;
// after it restarts, no acknowledged message is lost or stored twice, and
// re-sending acknowledged ones yields duplicates only.
func TestKilledNodesWorkIsFinishedByOthers(t *testing.T) {
	c := newCluster(t, 3)
	rv := &receiver{delay: 700 * time.Millisecond, got: map[string]int{}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	chID, secret := c.webhookTo(srv.URL)
	victim := c.nodes[1]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []*loadgen.Result, 1)
	go func() { done <- c.loadEach(ctx, chID, secret, "kill", 1_000_000, 6) }()
	time.Sleep(time.Second)
	replies := c.reply(1, chID, 40)
	// Kill it while it holds deliveries it has claimed and not sent (the
	// receiver takes 700 ms each), however slowly the machine runs.
	held := `deliveries WHERE state <> 'sent' AND owner = '` + victim.name + `' AND lease_until > 0`
	c.waitFor(10*time.Second, victim.name+" holding claimed deliveries", func() bool { return c.count(held) > 0 })
	victim.kill()
	claimed := c.count(held)
	time.Sleep(time.Second)
	cancel()
	res := <-done
	if r := res[1]; r.OK.Load() < 50 || r.Errors.Load() == 0 {
		t.Fatalf("the kill did not land mid-load on %s (%d acknowledged, %d errors)", victim.name, r.OK.Load(), r.Errors.Load())
	}
	if claimed == 0 {
		t.Fatalf("%s held no unfinished deliveries when killed; the test proves nothing\n%s", victim.name, c.logs())
	}

	// Still down: the survivors finish everything, its claimed work included.
	c.waitDrained(20 * time.Second)
	c.waitFor(20*time.Second, "every delivery sent", func() bool { return c.count(`deliveries WHERE state <> 'sent'`) == 0 })
	t.Logf("%d deliveries were claimed and unfinished by %s when it died; all sent by the others", claimed, victim.name)
	rv.check(t, replies)

	victim.restart(t)
	c.checkStored(1, chID, res)
	cfg := loadgen.Config{BaseURL: victim.url, ChannelID: chID, Secret: secret, N: 1_000_000,
		Concurrency: 4, Prefix: res[1].Prefix, Only: sample(res[1].AckedIndices(), 50)}
	again, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(cfg.Only)); again.OK.Load() != n || again.Duplicates.Load() != n {
		t.Errorf("re-sent %d acknowledged ids to the restarted node: %d 2xx, %d duplicates; want all duplicates",
			n, again.OK.Load(), again.Duplicates.Load())
	}
}

// sample picks up to n entries spread evenly over xs.
func sample(xs []int, n int) []int {
	if len(xs) <= n {
		return xs
	}
	out := make([]int, 0, n)
	for k := range n {
		out = append(out, xs[k*len(xs)/n])
	}
	return out
}
