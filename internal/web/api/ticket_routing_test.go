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

// desk is a 售后 team of agents behind one or more nodes.
type desk struct {
	t      *testing.T
	nodes  []*apptest.Node
	admin  string
	team   int64
	agents map[int64]bool
}

func newDesk(t *testing.T, nodes []*apptest.Node, agents, capacity int) desk {
	n := nodes[0]
	d := desk{t: t, nodes: nodes, admin: n.Token, team: n.CreateOrgUnit(1, "售后"), agents: map[int64]bool{}}
	routing := map[string]any{"rules": []map[string]any{{"type": "incident", "team_id": d.team}},
		"teams": []map[string]any{{"team_id": d.team, "mode": model.AssignLeastLoaded}}, "default_capacity": capacity}
	if st := n.Do("PUT", "/api/v1/ticket-routing", d.admin, routing, nil); st != http.StatusOK {
		t.Fatalf("PUT routing: %d", st)
	}
	for i := range agents {
		id, tok := n.CreateUser(fmt.Sprint("agent", i), "agent", d.team)
		if st := nodes[i%len(nodes)].Do("PUT", "/api/v1/me/availability", tok, map[string]any{"available": true}, nil); st != http.StatusOK {
			t.Fatalf("agent %d available: %d", i, st)
		}
		d.agents[id] = true
	}
	return d
}

// level gives factors scoring P1 (5), P2 (3), P3 (2) or P4 (1).
func level(l int) map[string]int {
	return map[string]int{"users_affected": l, "severity": l, "business_relevance": l, "effort": 6 - l, "strategic_fit": l}
}

func (d desk) tickets() []model.Ticket {
	var l ticketList
	if st := d.nodes[0].Do("GET", "/api/v1/tickets?limit=200", d.admin, nil, &l); st != http.StatusOK {
		d.t.Fatalf("list tickets: %d", st)
	}
	return l.Items
}

// check asserts nobody is over capacity and returns the open queued
// tickets in the order they must be served: P1 first, then oldest.
func (d desk) check(capacity int) (queue []model.Ticket, assigned map[int64]int64) {
	d.t.Helper()
	load, assigned := map[int64]int{}, map[int64]int64{}
	for _, tk := range d.tickets() {
		switch {
		case tk.Status != model.TicketAccepted:
		case tk.AssigneeID == 0:
			queue = append(queue, tk)
		default:
			if !d.agents[tk.AssigneeID] {
				d.t.Errorf("%s assigned to %d, not an agent of the team", tk.Key, tk.AssigneeID)
			}
			load[tk.AssigneeID]++
			assigned[tk.ID] = tk.AssigneeID
		}
	}
	for a, n := range load {
		if n > capacity {
			d.t.Errorf("agent %d holds %d open tickets, capacity %d", a, n, capacity)
		}
	}
	slices.SortFunc(queue, func(a, b model.Ticket) int {
		if a.Priority != b.Priority {
			return map[bool]int{true: -1, false: 1}[a.Priority < b.Priority]
		}
		return int(a.ID - b.ID)
	})
	return queue, assigned
}

// raceAssignment is the acceptance: 50 concurrent tickets, 5
// agents of capacity 3 — nobody over capacity, no ticket assigned twice,
// the queue drains in priority order as tickets are resolved.
func raceAssignment(t *testing.T, nodes []*apptest.Node) {
	const tickets, agents, capacity = 50, 5, 3
	d := newDesk(t, nodes, agents, capacity)
	levels := []int{1, 2, 3, 5}
	var wg sync.WaitGroup
	for i := range tickets {
		wg.Go(func() {
			in := map[string]any{"type": "incident", "title": fmt.Sprint("设备连不上网 ", i), "org_unit_id": 1, "factors": level(levels[i%4])}
			var tk model.Ticket
			if st := nodes[i%len(nodes)].Do("POST", "/api/v1/tickets", d.admin, in, &tk); st != http.StatusCreated || tk.TeamID != d.team {
				t.Errorf("ticket %d: status %d, team %d; want 201 routed to %d", i, st, tk.TeamID, d.team)
			}
		})
	}
	wg.Wait()
	queue, assigned := d.check(capacity)
	if len(assigned) != agents*capacity || len(queue) != tickets-agents*capacity {
		t.Fatalf("after the rush %d assigned and %d queued, want %d and %d", len(assigned), len(queue), agents*capacity, tickets-agents*capacity)
	}
	d.drain(queue, assigned, capacity)
}

// drain resolves assigned tickets one at a time; each frees one place,
// which must go to the head of the queue.
func (d desk) drain(queue []model.Ticket, assigned map[int64]int64, capacity int) {
	d.t.Helper()
	i := 0
	for len(queue) > 0 {
		var victim int64
		for id := range assigned {
			victim = id
			break
		}
		node := d.nodes[i%len(d.nodes)]
		i++
		if st := node.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", victim), d.admin, map[string]any{"to": "resolved"}, nil); st != http.StatusOK {
			d.t.Fatalf("resolve %d: %d", victim, st)
		}
		head := queue[0]
		var after map[int64]int64
		queue, after = d.check(capacity)
		if after[head.ID] != assigned[victim] {
			d.t.Fatalf("resolving %d freed agent %d; the head of the queue %s (%s) went to %d", victim, assigned[victim], head.Key, head.Priority, after[head.ID])
		}
		var detail ticket.Detail
		node.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", head.ID), d.admin, nil, &detail)
		if n := countField(detail.History, "assignee_id"); n != 1 {
			d.t.Errorf("%s history has %d assignments, want 1", head.Key, n)
		}
		assigned = after
	}
}

func countField(h []model.TicketChange, field string) int {
	n := 0
	for _, c := range h {
		if c.Field == field {
			n++
		}
	}
	return n
}

func TestAssignmentRaceAndQueue(t *testing.T) {
	raceAssignment(t, []*apptest.Node{apptest.Start(t)})
}

// TestAssignmentRaceAcrossNodes is the race on two nodes sharing PostgreSQL.
func TestAssignmentRaceAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	raceAssignment(t, []*apptest.Node{a, b})
}

// TestRoutingAPI: only admins change routing and capacities, bad routing
// is refused with its code, and raising a capacity serves the queue.
func TestRoutingAPI(t *testing.T) {
	n := apptest.Start(t)
	d := newDesk(t, []*apptest.Node{n}, 1, 1)
	var agent int64
	for id := range d.agents {
		agent = id
	}
	_, tok := n.CreateUser("member", "member", d.team)
	if st := n.Do("PUT", "/api/v1/ticket-routing", tok, map[string]any{}, nil); st != http.StatusForbidden {
		t.Errorf("member PUT routing: %d, want 403", st)
	}
	if st := n.Do("PUT", "/api/v1/me/availability", tok, map[string]any{"available": true}, nil); st != http.StatusForbidden {
		t.Errorf("member PUT availability: %d, want 403", st)
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	bad := map[string]any{"teams": []map[string]any{{"team_id": d.team, "mode": "random"}}}
	if st := n.Do("PUT", "/api/v1/ticket-routing", d.admin, bad, &e); st != http.StatusUnprocessableEntity || e.Error.Code != "SB-2108" {
		t.Errorf("bad mode: %d %q, want 422 SB-2108", st, e.Error.Code)
	}
	var got model.TicketRouting
	if n.Do("GET", "/api/v1/ticket-routing", d.admin, nil, &got); len(got.Rules) != 1 || got.Rules[0].TeamID != d.team || got.DefaultCapacity != 1 {
		t.Errorf("routing after a refused change = %+v, want the one set", got)
	}
	var first, second model.Ticket
	n.Do("POST", "/api/v1/tickets", d.admin, map[string]any{"type": "incident", "title": "a", "org_unit_id": 1}, &first)
	n.Do("POST", "/api/v1/tickets", d.admin, map[string]any{"type": "incident", "title": "b", "org_unit_id": 1}, &second)
	if first.AssigneeID != agent || second.AssigneeID != 0 {
		t.Fatalf("assignees %d, %d; want the agent then queued (capacity 1)", first.AssigneeID, second.AssigneeID)
	}
	path := fmt.Sprintf("/api/v1/ticket-agents/%d/capacity", agent)
	if st := n.Do("PUT", path, tok, map[string]any{"capacity": 2}, nil); st != http.StatusForbidden {
		t.Errorf("member PUT capacity: %d, want 403", st)
	}
	if st := n.Do("PUT", path, d.admin, map[string]any{"capacity": 2}, nil); st != http.StatusOK {
		t.Fatalf("PUT capacity: %d", st)
	}
	var detail ticket.Detail
	if n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", second.ID), d.admin, nil, &detail); detail.AssigneeID != agent {
		t.Errorf("after raising the capacity the queued ticket has assignee %d, want %d", detail.AssigneeID, agent)
	}
}
