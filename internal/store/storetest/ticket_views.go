package storetest

import (
	"context"
	"slices"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func testTicketViews(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	other, err := s.CreateUser(ctx, model.User{Login: "other", Name: "Other", Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: f.o.deptB}}})
	must(t, err)
	mine, err := s.CreateTicketView(ctx, model.TicketView{UserID: f.agent, Name: "我的待办", Query: "mine=1&status=accepted"})
	must(t, err)
	if mine.ID == 0 || mine.CreatedAt.IsZero() {
		t.Fatalf("view not stored: %+v", mine)
	}
	shared, err := s.CreateTicketView(ctx, model.TicketView{UserID: f.agent, OrgUnitID: f.o.deptA, Name: "P1 故障", Query: "priority=P1"})
	must(t, err)
	_, err = s.CreateTicketView(ctx, model.TicketView{UserID: f.agent, Name: "我的待办", Query: "x=1"})
	wantErr(t, "a second view of the same name", err, store.ErrConflict)
	// Another user may reuse the name.
	theirs, err := s.CreateTicketView(ctx, model.TicketView{UserID: other.ID, Name: "我的待办", Query: "type=task"})
	must(t, err)

	names := func(vs []model.TicketView) []int64 {
		ids := make([]int64, len(vs))
		for i, v := range vs {
			ids[i] = v.ID
		}
		return ids
	}
	cases := []struct {
		name  string
		user  int64
		units []int64
		want  []int64
	}{
		{"owner sees own views by name", f.agent, nil, []int64{shared.ID, mine.ID}},
		{"colleague of the unit sees the shared one", other.ID, []int64{f.o.deptA}, []int64{shared.ID, theirs.ID}},
		{"another unit sees only its own", other.ID, []int64{f.o.deptB}, []int64{theirs.ID}},
	}
	for _, c := range cases {
		got, err := s.TicketViews(ctx, c.user, c.units)
		must(t, err)
		if ids := names(got); !slices.Equal(ids, c.want) {
			t.Errorf("%s: views = %v, want %v", c.name, ids, c.want)
		}
	}
	got, _ := s.TicketViews(ctx, f.agent, nil)
	if got[1].Query != "mine=1&status=accepted" || got[0].OrgUnitID != f.o.deptA {
		t.Errorf("views lost their fields: %+v", got)
	}
	wantErr(t, "deleting someone else's view", s.DeleteTicketView(ctx, shared.ID, other.ID), store.ErrNotFound)
	must(t, s.DeleteTicketView(ctx, mine.ID, f.agent))
	wantErr(t, "deleting it twice", s.DeleteTicketView(ctx, mine.ID, f.agent), store.ErrNotFound)
	if got, _ := s.TicketViews(ctx, f.agent, nil); !slices.Equal(names(got), []int64{shared.ID}) {
		t.Errorf("after delete: %v", names(got))
	}
}

func testTicketTeamFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	mk := func(title string, team, assignee int64) model.Ticket {
		tk := sampleTicket(f.o.deptA, title)
		tk.TeamID, tk.AssigneeID = team, assignee
		return mustTicket(t, s, store.NewTicket{Ticket: tk})
	}
	held := mk("held", f.o.teamA1, f.agent)
	queued := mk("queued", f.o.teamA1, 0)
	loose := mk("loose", 0, 0)
	all := store.TicketScope{All: true}
	cases := []struct {
		name string
		f    store.TicketFilter
		want []int64
	}{
		{"team", store.TicketFilter{TeamID: f.o.teamA1}, []int64{queued.ID, held.ID}},
		{"unassigned", store.TicketFilter{Unassigned: true}, []int64{loose.ID, queued.ID}},
		{"team and unassigned", store.TicketFilter{TeamID: f.o.teamA1, Unassigned: true}, []int64{queued.ID}},
	}
	for _, c := range cases {
		got, err := s.ListTickets(ctx, all, c.f)
		must(t, err)
		if ids := ticketIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("%s: list = %v, want %v", c.name, ids, c.want)
		}
	}
}
