package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/loadgen"
)

// TestPostgresConnectionLoss terminates the nodes' PostgreSQL connections
// again and again for a while under load: intake must answer 503 while it
// cannot commit, never 2xx for a message it did not commit, and recover by
// itself once the database is back.
func TestPostgresConnectionLoss(t *testing.T) {
	c := newCluster(t, 2)
	chID, secret := c.webhook()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []*loadgen.Result, 1)
	go func() { done <- c.loadEach(ctx, chID, secret, "pgloss", 1_000_000, 6) }()
	time.Sleep(time.Second)
	killed := 0
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
		killed += c.terminateBackends()
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // recovery under the same load
	cancel()
	res := <-done
	t.Logf("terminated %d backends", killed)
	if killed == 0 {
		t.Fatal("no backend of the nodes was terminated; the test proves nothing")
	}
	if n := c.metric("switchboard_intake_rejected_total", `reason="unavailable"`); n == 0 {
		t.Errorf("no intake answered 503 while its connections were being terminated\n%s", c.logs())
	}

	after := c.loadEach(context.Background(), chID, secret, "pgloss-after", 100, 4)
	for i, r := range after {
		if r.OK.Load() != 100 {
			t.Errorf("after the outage %s acknowledged %d of 100", c.nodes[i].name, r.OK.Load())
		}
	}
	c.waitDrained(15 * time.Second)
	c.checkStored(0, chID, append(res, after...))
}

// terminateBackends ends this test's node connections — found by the
// application_name that names the schema — except the one holding the
// cluster advisory lock, which is the node lock, not intake's pool.
func (c *cluster) terminateBackends() int {
	c.t.Helper()
	var n int
	err := c.schema.DB.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name LIKE $1 AND pid <> pg_backend_pid()
		AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')`, c.schema.Name+"-%").Scan(&n)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// metric sums a counter's samples whose labels contain match, over all nodes.
func (c *cluster) metric(name, match string) float64 {
	var sum float64
	for _, nd := range c.nodes {
		resp, err := http.Get(nd.url + "/metrics")
		if err != nil {
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, name+"{") && strings.Contains(line, match) {
				var v float64
				fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
				sum += v
			}
		}
	}
	return sum
}

// TestNATSRestartResumesEvents kills the nats-server between two nodes and
// starts it again: a browser on node 1 gets node 0's messages again once
// the bus is back, and the store keeps every message, whatever the bus did.
func TestNATSRestartResumesEvents(t *testing.T) {
	c := newCluster(t, 2)
	chID, secret := c.webhook()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := c.listen(ctx, 1)
	send := func(prefix string, n int) *loadgen.Result {
		r, err := loadgen.Run(context.Background(), loadgen.Config{BaseURL: c.nodes[0].url, ChannelID: chID, Secret: secret,
			N: n, Concurrency: 4, Prefix: prefix})
		if err != nil || r.OK.Load() != int64(n) {
			t.Fatalf("%s: %v, %d of %d acknowledged", prefix, err, r.OK.Load(), n)
		}
		return r
	}
	all := []*loadgen.Result{send("before", 50)}
	c.waitSeen(t, l, 1, all[0].Acked(), 10*time.Second)

	c.nats.Stop()
	all = append(all, send("during", 50)) // the store does not need the bus
	c.nats.Start()
	c.waitFor(15*time.Second, "events to flow again after the NATS restart", func() bool {
		probe := send(fmt.Sprintf("probe%d", time.Now().UnixNano()), 1)
		all = append(all, probe)
		_, seen := l.Seen(probe.Acked()[0])
		time.Sleep(200 * time.Millisecond)
		_, seen2 := l.Seen(probe.Acked()[0])
		return seen || seen2
	})
	after := send("after", 50)
	all = append(all, after)
	c.waitSeen(t, l, 1, after.Acked(), 10*time.Second)
	c.checkStored(1, chID, all)
}

// TestNodeWithoutNATSRefusesToShare checks the node lock: a node without
// --nats-url refuses to join nodes that have it, and while it runs alone a
// node with --nats-url refuses to join it, each with a clear message.
func TestNodeWithoutNATSRefusesToShare(t *testing.T) {
	c := newCluster(t, 1)
	lone := c.spawn("lone", false)
	if out := lone.waitExit(t); !strings.Contains(out, "several nodes need --nats-url") {
		t.Errorf("a node without NATS joining a cluster said:\n%s", out)
	}
	c.nodes[0].kill()
	alone := c.spawn("alone", false)
	if err := alone.waitReady(); err != nil {
		t.Fatalf("a node without NATS, alone on the database: %v\n%s", err, alone.out)
	}
	joiner := c.spawn("joiner", true)
	if out := joiner.waitExit(t); !strings.Contains(out, "another node is using this database without --nats-url") {
		t.Errorf("a node with NATS joining a node without it said:\n%s", out)
	}
}
