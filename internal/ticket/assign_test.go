package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"switchboard/internal/bus"
	"switchboard/internal/crypto"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/sqlite"
	"switchboard/internal/ticket"
)

type rig struct {
	svc               *ticket.Service
	db                *sqldb.DB
	events            <-chan bus.Event
	admin             ticket.Caller
	root, team, other int64
}

func newRig(t *testing.T) rig {
	t.Helper()
	ctx := context.Background()
	keys, err := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	must(t, err)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sb.db"), keys)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	root, err := db.CreateOrgUnit(ctx, model.OrgUnit{Name: "Acme", Kind: "company"})
	must(t, err)
	team, err := db.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "售后", Kind: "team"})
	must(t, err)
	other, err := db.CreateOrgUnit(ctx, model.OrgUnit{ParentID: root.ID, Name: "研发", Kind: "team"})
	must(t, err)
	admin, err := db.CreateUser(ctx, model.User{Login: "admin", Name: "Admin", Roles: []model.RoleGrant{{Role: model.RoleAdmin, OrgUnitID: root.ID}}})
	must(t, err)
	b := bus.NewLocal()
	events, cancel := b.Subscribe(64, bus.TicketUpdated)
	t.Cleanup(cancel)
	return rig{svc: &ticket.Service{Store: db, Bus: b}, db: db, events: events, admin: ticket.Caller{User: admin}, root: root.ID, team: team.ID, other: other.ID}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (r rig) agent(t *testing.T, login string, available bool) ticket.Caller {
	t.Helper()
	u, err := r.db.CreateUser(context.Background(), model.User{Login: login, Name: login, Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: r.team}}})
	must(t, err)
	c := ticket.Caller{User: u}
	if available {
		_, err = r.svc.SetAvailable(context.Background(), c, true)
		must(t, err)
	}
	return c
}

func (r rig) create(t *testing.T, category string) model.Ticket {
	t.Helper()
	tk, _, err := r.svc.Create(context.Background(), r.admin, ticket.Create{Type: "incident", Title: "设备连不上网", OrgUnitID: r.root, Category: category,
		Factors: model.PriorityFactors{UsersAffected: 5, Severity: 5, BusinessRelevance: 5, Effort: 1, StrategicFit: 5}})
	must(t, err)
	return tk
}

// TestRoutingAndAssignment: a P1 network incident is routed to 售后 by the
// first matching rule and goes to the available agent, with history and
// an event; an unavailable agent gets nothing until they become available.
func TestRoutingAndAssignment(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, err := r.svc.SetRouting(ctx, model.TicketRouting{Rules: []model.RouteRule{
		{Type: "incident", Priority: "P1", Category: "网络", TeamID: r.team}, {TeamID: r.other}}})
	must(t, err)
	away := r.agent(t, "away", false)
	tk := r.create(t, "网络")
	if tk.TeamID != r.team || tk.AssigneeID != 0 {
		t.Fatalf("with no agent available the ticket has team %d assignee %d, want team %d and queued", tk.TeamID, tk.AssigneeID, r.team)
	}
	if other := r.create(t, "发票"); other.TeamID != r.other {
		t.Errorf("a ticket no specific rule matches went to team %d, want the catch-all %d", other.TeamID, r.other)
	}
	_, err = r.svc.SetAvailable(ctx, away, true)
	must(t, err)
	ev := <-r.events
	if ev.Ticket == nil || ev.Ticket.ID != tk.ID || ev.Ticket.AssigneeID != away.User.ID {
		t.Fatalf("event %+v, want %s assigned to the agent who became available", ev, tk.Key)
	}
	d, err := r.svc.Get(ctx, r.admin, tk.ID)
	must(t, err)
	fields := []string{}
	for _, h := range d.History {
		fields = append(fields, h.Field+"="+h.To)
	}
	want := fmt.Sprint([]string{"created=accepted", "queue=" + strconv.FormatInt(r.team, 10), "assignee_id=" + strconv.FormatInt(away.User.ID, 10)})
	if fmt.Sprint(fields) != want {
		t.Errorf("history %v, want %v", fields, want)
	}
	now := r.create(t, "网络")
	if now.AssigneeID != away.User.ID {
		t.Errorf("a ticket created while the agent is available went to %d, want %d", now.AssigneeID, away.User.ID)
	}
}

func TestRoutingValidation(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		name string
		in   model.TicketRouting
		want error
	}{
		{"unknown type", model.TicketRouting{Rules: []model.RouteRule{{Type: "bug", TeamID: r.team}}}, errcode.UnknownType},
		{"bad priority", model.TicketRouting{Rules: []model.RouteRule{{Priority: "P9", TeamID: r.team}}}, errcode.BadTicketField},
		{"no team", model.TicketRouting{Rules: []model.RouteRule{{Type: "incident"}}}, errcode.MissingField},
		{"missing team", model.TicketRouting{Rules: []model.RouteRule{{TeamID: 999}}}, errcode.BadTicketField},
		{"bad mode", model.TicketRouting{Teams: []model.TeamAssign{{TeamID: r.team, Mode: "random"}}}, errcode.BadTicketField},
		{"capacity", model.TicketRouting{DefaultCapacity: -1}, errcode.BadTicketField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.svc.SetRouting(context.Background(), tc.in); !errors.Is(err, tc.want) {
				t.Errorf("SetRouting = %v, want %v", err, tc.want)
			}
		})
	}
	got, err := r.svc.Routing(context.Background())
	if err != nil || len(got.Rules) != 0 || got.DefaultCapacity != ticket.DefaultCapacity {
		t.Errorf("after refused changes the routing is %+v (%v), want the default", got, err)
	}
	member, err := r.db.CreateUser(context.Background(), model.User{Login: "m", Name: "m", Roles: []model.RoleGrant{{Role: model.RoleMember, OrgUnitID: r.team}}})
	must(t, err)
	if _, err := r.svc.SetAvailable(context.Background(), ticket.Caller{User: member}, true); !errors.Is(err, errcode.Forbidden) {
		t.Errorf("a member setting availability: %v, want Forbidden", err)
	}
}

// TestEditsFollowTheQueue: taking a ticket from an agent by hand frees
// their place for the queue, and moving a queued ticket to another team
// queues it there.
func TestEditsFollowTheQueue(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, err := r.svc.SetRouting(ctx, model.TicketRouting{Rules: []model.RouteRule{{TeamID: r.team}}, DefaultCapacity: 1})
	must(t, err)
	a := r.agent(t, "a", true)
	first, second, third := r.create(t, ""), r.create(t, ""), r.create(t, "")
	if first.AssigneeID != a.User.ID || second.AssigneeID != 0 || third.AssigneeID != 0 {
		t.Fatalf("assignees %d %d %d, want the agent then two queued", first.AssigneeID, second.AssigneeID, third.AssigneeID)
	}
	admin := r.admin.User.ID
	_, err = r.svc.Update(ctx, r.admin, first.ID, ticket.Patch{Version: first.Version, AssigneeID: &admin})
	must(t, err)
	got, err := r.db.GetTicket(ctx, ticket.ScopeFor(r.admin.User), second.ID)
	must(t, err)
	if got.AssigneeID != a.User.ID {
		t.Errorf("after the agent's ticket went to someone else the next queued one has assignee %d, want %d", got.AssigneeID, a.User.ID)
	}
	b, err := r.db.CreateUser(ctx, model.User{Login: "b", Name: "b", Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: r.other}}})
	must(t, err)
	_, err = r.svc.SetAvailable(ctx, ticket.Caller{User: b}, true)
	must(t, err)
	moved, err := r.svc.Update(ctx, r.admin, third.ID, ticket.Patch{Version: third.Version, TeamID: &r.other})
	must(t, err)
	if moved.AssigneeID != b.ID {
		t.Errorf("a queued ticket moved to the other team has assignee %d, want that team's agent %d", moved.AssigneeID, b.ID)
	}
}

// TestSweepServesWhatEventsMissed: a ticket committed without being queued
// (the node stopped in between) and an agent made available without a
// drain (an event lost) leave work waiting; one sweep assigns it.
func TestSweepServesWhatEventsMissed(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	a := r.agent(t, "a", false)
	lost, _, err := r.db.CreateTicket(ctx, store.NewTicket{Ticket: model.Ticket{Type: "incident", Title: "设备连不上网", Status: model.TicketAccepted,
		OrgUnitID: r.root, TeamID: r.team, Priority: "P1"}})
	must(t, err)
	must(t, r.db.SetAgentAvailable(ctx, a.User.ID, true))
	r.svc.Sweep(ctx)
	got, err := r.db.GetTicket(ctx, store.TicketScope{All: true}, lost.ID)
	must(t, err)
	if got.AssigneeID != a.User.ID {
		t.Fatalf("after a sweep %s has assignee %d, want the available agent %d", got.Key, got.AssigneeID, a.User.ID)
	}
	r.svc.Sweep(ctx)
	h, err := r.db.TicketHistory(ctx, lost.ID)
	must(t, err)
	assigned := 0
	for _, c := range h {
		if c.Field == "assignee_id" {
			assigned++
		}
	}
	if assigned != 1 {
		t.Errorf("history has %d assignments after two sweeps, want 1", assigned)
	}
}

// racingStore lets another writer change the ticket between the service's
// read and its write, once.
type racingStore struct {
	*sqldb.DB
	raced bool
}

func (r *racingStore) UpdateTicket(ctx context.Context, t model.Ticket, changes []model.TicketChange) (model.Ticket, error) {
	if !r.raced {
		r.raced = true
		other, err := r.DB.GetTicket(ctx, store.TicketScope{All: true}, t.ID)
		if err != nil {
			return t, err
		}
		other.Tags = append(other.Tags, "escalated")
		if _, err := r.DB.UpdateTicket(ctx, other, []model.TicketChange{{Field: "tags", To: "escalated"}}); err != nil {
			return t, err
		}
	}
	return r.DB.UpdateTicket(ctx, t, changes)
}

// TestMoveSurvivesABackgroundWrite: an agent clicking 已解决 while the SLA
// timer escalates the ticket gets their move, not a 409; a client that
// sent the version it read is still told the ticket changed.
func TestMoveSurvivesABackgroundWrite(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	tk := r.create(t, "")
	svc := &ticket.Service{Store: &racingStore{DB: r.db}}
	moved, err := svc.Move(ctx, r.admin, tk.ID, ticket.Transition{To: model.TicketInProgress})
	if err != nil || moved.Status != model.TicketInProgress || !slices.Contains(moved.Tags, "escalated") {
		t.Fatalf("move during a background write = %+v, %v; want in_progress with the other write kept", moved, err)
	}
	svc = &ticket.Service{Store: &racingStore{DB: r.db}}
	_, err = svc.Move(ctx, r.admin, tk.ID, ticket.Transition{To: model.TicketResolved, Version: moved.Version})
	if !errors.Is(err, errcode.StaleVersion) {
		t.Fatalf("move with the version read, raced: %v, want StaleVersion", err)
	}
}
