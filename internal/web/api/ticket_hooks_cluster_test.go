package api_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/testsvc"
)

// TestTicketWebhooksAcrossNodes runs two nodes on one PostgreSQL schema:
// tickets created and moved on both nodes reach the receiver once per
// event, each ticket's events in order.
func TestTicketWebhooksAcrossNodes(t *testing.T) {
	schema, nats := testsvc.FreshSchema(t), testsvc.StartNATS(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	node := func(id string) apptest.Options {
		return func(c *config.Config) {
			c.DatabaseURL, c.NATSURL, c.MasterKeyFile, c.NodeID = schema.URL, nats.URL(), keys, id
			c.TicketHookAttempts, c.TicketHookBackoff = 5, 20*time.Millisecond
		}
	}
	a := apptest.Start(t, node("a"))
	b := apptest.Start(t, node("b"))
	b.Token = a.Token
	rc := newReceiver(t, nil)
	registerHook(t, a, rc.URL, map[string]any{"events": []string{"ticket.created", "ticket.status_changed"}})

	const n = 8
	nodes := []*apptest.Node{a, b}
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i] = newTask(t, nodes[i%2], a.Token, fmt.Sprint("集群 ", i)).ID
			move(t, nodes[(i+1)%2], ids[i], "in_progress")
		})
	}
	wg.Wait()
	apptest.WaitFor(t, 10*time.Second, "every event at the receiver", func() bool { return len(rc.got()) >= 2*n })
	time.Sleep(300 * time.Millisecond) // a second copy would arrive now
	seen := map[string]int{}
	for _, e := range rc.got() {
		if seen[e.ID]++; seen[e.ID] > 1 {
			t.Errorf("event %s (%s of ticket %d) delivered twice", e.ID, e.Type, e.Ticket.ID)
		}
	}
	if len(seen) != 2*n {
		t.Errorf("%d distinct events, want %d", len(seen), 2*n)
	}
	for _, id := range ids {
		if got := strings.Join(rc.ofTicket(id), " "); got != "ticket.created ticket.status_changed" {
			t.Errorf("ticket %d events = %s, want created then status_changed", id, got)
		}
	}
}
