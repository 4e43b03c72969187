package api_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/testsvc"
)

// twoNodes starts two nodes on one fresh PostgreSQL schema and one NATS,
// sharing the key file and the admin token.
func twoNodes(t *testing.T) (a, b *apptest.Node) {
	schema, nats := testsvc.FreshSchema(t), testsvc.StartNATS(t) // before the nodes, so they stop first
	keys := filepath.Join(t.TempDir(), "keys.json")
	node := func(id string) apptest.Options {
		return func(c *config.Config) {
			c.DatabaseURL, c.NATSURL, c.MasterKeyFile, c.NodeID = schema.URL, nats.URL(), keys, id
		}
	}
	a = apptest.Start(t, node("a"))
	b = apptest.Start(t, node("b"))
	b.Token = a.Token // one database, one admin
	return a, b
}

// TestTicketsAcrossNodes runs two nodes on one PostgreSQL schema (and NATS): creations
// racing on both nodes from one customer message make one ticket, and
// tickets created at once on both nodes get distinct human numbers.
func TestTicketsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	h := a.CreateWebhook("app", 1, "")
	msg := ingest(t, a, h, "m-1", "设备连不上网，很紧急")
	nodes := []*apptest.Node{a, b}

	const n = 12
	ids, statuses := make([]int64, n), make([]int, n)
	nums := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var tk model.Ticket
			statuses[i] = nodes[i%2].Do("POST", "/api/v1/tickets", a.Token, map[string]any{"type": "incident", "source_message_ids": []int64{msg.ID}}, &tk)
			ids[i] = tk.ID
		})
		wg.Go(func() {
			var tk model.Ticket
			nodes[i%2].Do("POST", "/api/v1/tickets", a.Token, map[string]any{"type": "task", "title": fmt.Sprint("任务 ", i), "org_unit_id": 1}, &tk)
			nums[i] = tk.Number
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if statuses[i] == http.StatusCreated {
			created++
		}
		if ids[i] == 0 || ids[i] != ids[0] {
			t.Errorf("creation %d on node %d: status %d ticket %d, want ticket %d", i, i%2, statuses[i], ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d creations answered 201, want exactly 1", created)
	}
	slices.Sort(nums)
	if slices.Contains(nums, 0) || len(slices.Compact(slices.Clone(nums))) != n {
		t.Errorf("human numbers from both nodes = %v, want %d distinct", nums, n)
	}
	var list ticketList
	apptest.WaitFor(t, 2*time.Second, "both nodes to list the same tickets", func() bool {
		b.Do("GET", "/api/v1/tickets?limit=100", b.Token, nil, &list)
		return len(list.Items) == n+1
	})
}
