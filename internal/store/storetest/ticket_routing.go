package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// team is a team unit with available agents and queued tickets.
type team struct {
	f      ticketFixture
	agents []int64
}

func newTeam(t *testing.T, s store.Store, agents int) team {
	t.Helper()
	ctx := context.Background()
	tm := team{f: newTicketFixture(t, s)}
	for i := range agents {
		u, err := s.CreateUser(ctx, model.User{Login: fmt.Sprint("a", i), Name: fmt.Sprint("A", i),
			Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: tm.f.o.teamA1}}})
		must(t, err)
		must(t, s.SetAgentAvailable(ctx, u.ID, true))
		tm.agents = append(tm.agents, u.ID)
	}
	return tm
}

// queued creates a ticket of priority p in the team and queues it.
func (tm team) queued(t *testing.T, s store.Store, p string) model.Ticket {
	t.Helper()
	in := sampleTicket(tm.f.o.deptA, "q "+p)
	in.Priority, in.TeamID = p, tm.f.o.teamA1
	tk := mustTicket(t, s, store.NewTicket{Ticket: in})
	must(t, s.EnqueueTicket(context.Background(), tk.ID, tk.TeamID, p))
	return tk
}

func testTicketRoutingSettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	tm := newTeam(t, s, 1)
	if _, ok, err := s.TicketRouting(ctx); ok || err != nil {
		t.Fatalf("routing before any was set: ok %v, %v", ok, err)
	}
	want := model.TicketRouting{Rules: []model.RouteRule{{Type: "incident", Priority: "P1", Category: "网络", TeamID: tm.f.o.teamA1}},
		Teams: []model.TeamAssign{{TeamID: tm.f.o.teamA1, Mode: model.AssignRoundRobin}}, DefaultCapacity: 3}
	must(t, s.SetTicketRouting(ctx, want))
	got, ok, err := s.TicketRouting(ctx)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("routing = %+v (ok %v, %v), want %+v", got, ok, err, want)
	}
	a := tm.agents[0]
	must(t, s.SetAgentCapacity(ctx, a, 7))
	must(t, s.SetAgentAvailable(ctx, a, false))
	if ag, err := s.TicketAgent(ctx, a); err != nil || ag != (model.TicketAgent{UserID: a, Capacity: 7}) {
		t.Errorf("agent = %+v, %v; want capacity 7, unavailable", ag, err)
	}
	if teams, err := s.AgentTeams(ctx, a); err != nil || !reflect.DeepEqual(teams, []int64{tm.f.o.teamA1}) {
		t.Errorf("agent teams = %v, %v; want [%d]", teams, err, tm.f.o.teamA1)
	}
}

func testTicketAssignQueue(t *testing.T, s store.Store) {
	ctx := context.Background()
	tm := newTeam(t, s, 2)
	low, mid, urgent := tm.queued(t, s, "P3"), tm.queued(t, s, "P2"), tm.queued(t, s, "P1")
	cancelled := tm.queued(t, s, "P1")
	cancelled.Status = model.TicketCancelled
	_, err := s.UpdateTicket(ctx, cancelled, nil)
	must(t, err)
	run := store.AssignRun{TeamID: tm.f.o.teamA1, Mode: model.AssignLeastLoaded, DefaultCapacity: 1}
	got, err := s.AssignQueued(ctx, run)
	must(t, err)
	if len(got) != 2 || got[0].ID != urgent.ID || got[1].ID != mid.ID || got[0].AssigneeID == got[1].AssigneeID || got[0].Version != 2 {
		t.Fatalf("first run assigned %+v, want P1 then P2 (not the cancelled one) to two different agents", got)
	}
	if again, err := s.AssignQueued(ctx, run); err != nil || len(again) != 0 {
		t.Errorf("run with every agent at capacity 1 assigned %d (%v), want none: the P3 waits", len(again), err)
	}
	must(t, s.SetAgentCapacity(ctx, got[0].AssigneeID, 2))
	third, err := s.AssignQueued(ctx, run)
	must(t, err)
	if len(third) != 1 || third[0].ID != low.ID || third[0].AssigneeID != got[0].AssigneeID {
		t.Errorf("after raising a capacity the run assigned %+v, want the P3 to that agent", third)
	}
	h, err := s.TicketHistory(ctx, low.ID)
	must(t, err)
	if last := h[len(h)-1]; last.Field != "assignee_id" || last.To != fmt.Sprint(got[0].AssigneeID) || last.Note != model.AssignLeastLoaded {
		t.Errorf("history ends with %+v, want the assignment", last)
	}
}

func testTicketRoundRobin(t *testing.T, s store.Store) {
	tm := newTeam(t, s, 3)
	for range 6 {
		tm.queued(t, s, "P2")
	}
	got, err := s.AssignQueued(context.Background(), store.AssignRun{TeamID: tm.f.o.teamA1, Mode: model.AssignRoundRobin, DefaultCapacity: 5})
	must(t, err)
	var order []int64
	for _, tk := range got {
		order = append(order, tk.AssigneeID)
	}
	want := append(append([]int64{}, tm.agents...), tm.agents...)
	if !reflect.DeepEqual(order, want) {
		t.Errorf("round robin assigned to %v, want %v", order, want)
	}
}

// testTicketConcurrentAssign races runs the way several nodes would, in
// rounds: no ticket goes to two agents and nobody exceeds capacity.
func testTicketConcurrentAssign(t *testing.T, s store.Store) {
	tm := newTeam(t, s, 3)
	for round := range 4 {
		for range 15 {
			tm.queued(t, s, "P2")
		}
		raceRuns(t, s, tm, 8)
		open, err := s.ListTickets(context.Background(), store.TicketScope{All: true},
			store.TicketFilter{Status: []model.TicketStatus{model.TicketAccepted}, Limit: 200})
		must(t, err)
		load := map[int64]int{}
		for _, tk := range open {
			if tk.AssigneeID != 0 {
				load[tk.AssigneeID]++
			}
		}
		for _, a := range tm.agents {
			if load[a] != 2 {
				t.Errorf("round %d: agent %d holds %d open tickets, want capacity 2 exactly", round, a, load[a])
			}
		}
		for _, tk := range open {
			if tk.AssigneeID != 0 {
				tk.Status = model.TicketResolved
				_, err := s.UpdateTicket(context.Background(), tk, nil)
				must(t, err)
			}
		}
	}
}

// raceRuns starts n assignment runs at once and checks none assigned a
// ticket another one did.
func raceRuns(t *testing.T, s store.Store, tm team, n int) {
	var mu sync.Mutex
	owner := map[int64]int64{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			got, err := s.AssignQueued(context.Background(), store.AssignRun{TeamID: tm.f.o.teamA1, Mode: model.AssignLeastLoaded, DefaultCapacity: 2})
			if err != nil {
				t.Errorf("run: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, tk := range got {
				if prev, dup := owner[tk.ID]; dup {
					t.Errorf("ticket %d assigned twice: %d and %d", tk.ID, prev, tk.AssigneeID)
				}
				owner[tk.ID] = tk.AssigneeID
			}
		})
	}
	close(start)
	wg.Wait()
}

func testTicketQueueWork(t *testing.T, s store.Store) {
	ctx := context.Background()
	tm := newTeam(t, s, 1)
	queued := tm.queued(t, s, "P2")
	stray := sampleTicket(tm.f.o.deptA, "never queued")
	stray.Priority, stray.TeamID = "P1", tm.f.o.teamA1
	lost := mustTicket(t, s, store.NewTicket{Ticket: stray})
	closed := stray
	closed.Title, closed.Status = "closed, no assignee", model.TicketClosed
	mustTicket(t, s, store.NewTicket{Ticket: closed})
	teams, strays, err := s.QueueWork(ctx)
	must(t, err)
	if !reflect.DeepEqual(teams, []int64{tm.f.o.teamA1}) {
		t.Errorf("teams with queued tickets = %v, want [%d] (ticket %d waits)", teams, tm.f.o.teamA1, queued.ID)
	}
	if len(strays) != 1 || strays[0].ID != lost.ID || strays[0].TeamID != tm.f.o.teamA1 || strays[0].Priority != "P1" {
		t.Errorf("strays = %+v, want only ticket %d (open, team, no assignee, not queued)", strays, lost.ID)
	}
	must(t, s.EnqueueTicket(ctx, lost.ID, lost.TeamID, "P1"))
	if _, strays, err = s.QueueWork(ctx); err != nil || len(strays) != 0 {
		t.Errorf("after queueing it, strays = %+v, %v; want none", strays, err)
	}
}
