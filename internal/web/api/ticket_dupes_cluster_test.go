package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// Reports of one outage created at once on two nodes never merge into a
// cycle: every duplicate points at a ticket that is no duplicate, the
// oldest report survives, and the mentions add up to the reports.
func TestSimilarTicketsAtOnceAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	h := a.CreateWebhook("app", 1, "")
	nodes := []*apptest.Node{a, b}
	const n = 8
	msgs := make([]model.Message, n)
	for i := range n {
		msgs[i] = ingest(t, a, h, fmt.Sprint("m-", i), "设备连不上网，很紧急")
	}
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var tk model.Ticket
			if st := nodes[i%2].Do("POST", "/api/v1/tickets", a.Token, map[string]any{"type": "incident", "source_message_ids": []int64{msgs[i].ID}}, &tk); st != http.StatusCreated {
				t.Errorf("create %d: %d", i, st)
			}
			ids[i] = tk.ID
		})
	}
	wg.Wait()
	slices.Sort(ids)
	mentions := 0
	for _, id := range ids {
		var d ticket.Detail
		a.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), a.Token, nil, &d)
		if d.DuplicateOf == nil {
			mentions += d.Mentions.Count
			continue
		}
		if id == ids[0] {
			t.Errorf("the oldest report %s became a duplicate of %s", d.Key, d.DuplicateOf.Key)
		}
		var root ticket.Detail
		a.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", d.DuplicateOf.TicketID), a.Token, nil, &root)
		if root.DuplicateOf != nil || root.Status == model.TicketClosed {
			t.Errorf("%s is a duplicate of %s, which is itself %s / a duplicate of %+v", d.Key, root.Key, root.Status, root.DuplicateOf)
		}
	}
	if mentions != n {
		t.Errorf("mentions of the surviving tickets add up to %d, want %d reports", mentions, n)
	}
	// After the rush, one more report joins the oldest (equal matches: the older wins).
	late := ingest(t, a, h, "m-late", "设备连不上网，很紧急")
	var tk model.Ticket
	b.Do("POST", "/api/v1/tickets", a.Token, map[string]any{"type": "incident", "source_message_ids": []int64{late.ID}}, &tk)
	var d ticket.Detail
	a.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), a.Token, nil, &d)
	if d.DuplicateOf == nil || d.DuplicateOf.TicketID != ids[0] {
		t.Errorf("the late report %s: duplicate_of %+v, want the oldest ticket %d", d.Key, d.DuplicateOf, ids[0])
	}
}
