package storetest

import (
	"context"
	"slices"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func testTicketFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	mk := func(title, typ, prio string, status model.TicketStatus, unit, assignee, requester int64) model.Ticket {
		tk := sampleTicket(unit, title)
		tk.Type, tk.Priority, tk.Status, tk.AssigneeID, tk.Requester.PersonID = typ, prio, status, assignee, requester
		return mustTicket(t, s, store.NewTicket{Ticket: tk})
	}
	cust := f.msgs[0].SenderID
	net := mk("网络中断 50%", model.TypeIncident, "P1", model.TicketAccepted, f.o.teamA1, f.agent, cust)
	req := mk("导出报表", model.TypeRequirement, "P3", model.TicketConfirmed, f.o.deptA, 0, cust)
	fin := mk("发票抬头", model.TypeFeedback, "P4", model.TicketResolved, f.o.deptB, 0, 0)
	all := store.TicketScope{All: true}
	cases := []struct {
		name string
		f    store.TicketFilter
		want []int64
	}{
		{"status", store.TicketFilter{Status: []model.TicketStatus{model.TicketAccepted, model.TicketResolved}}, []int64{fin.ID, net.ID}},
		{"type", store.TicketFilter{Type: model.TypeRequirement}, []int64{req.ID}},
		{"priority", store.TicketFilter{Priority: "P1"}, []int64{net.ID}},
		{"assignee", store.TicketFilter{AssigneeID: f.agent}, []int64{net.ID}},
		{"org unit subtree", store.TicketFilter{OrgUnitID: f.o.deptA}, []int64{req.ID, net.ID}},
		{"requester", store.TicketFilter{RequesterID: cust}, []int64{req.ID, net.ID}},
		{"q in title", store.TicketFilter{Query: "报表"}, []int64{req.ID}},
		{"q is a literal percent", store.TicketFilter{Query: "50%"}, []int64{net.ID}},
		{"q is a human number", store.TicketFilter{Query: fin.Key}, []int64{fin.ID}},
		{"cursor", store.TicketFilter{Before: fin.ID, Limit: 1}, []int64{req.ID}},
	}
	for _, c := range cases {
		got, err := s.ListTickets(ctx, all, c.f)
		must(t, err)
		if ids := ticketIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("%s: list = %v, want %v", c.name, ids, c.want)
		}
	}
}

func testTicketComments(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "c")})
	for _, c := range []model.TicketComment{{Body: "内部备注", Public: false}, {Body: "已为您重置路由器", Public: true}} {
		c.TicketID, c.AuthorID = tk.ID, f.agent
		saved, err := s.AddTicketComment(ctx, c)
		must(t, err)
		if saved.ID == 0 || saved.CreatedAt.IsZero() {
			t.Errorf("comment not stored: %+v", saved)
		}
	}
	every, err := s.TicketComments(ctx, tk.ID, false)
	must(t, err)
	public, err := s.TicketComments(ctx, tk.ID, true)
	must(t, err)
	if len(every) != 2 || every[0].Body != "内部备注" || every[0].AuthorID != f.agent {
		t.Errorf("all comments = %+v", every)
	}
	if len(public) != 1 || public[0].Body != "已为您重置路由器" || !public[0].Public {
		t.Errorf("public comments = %+v", public)
	}
	_, err = s.AddTicketComment(ctx, model.TicketComment{TicketID: 99999, Body: "x"})
	wantErr(t, "comment on a missing ticket", err, store.ErrNotFound)
}

func testTicketTypesAndWeights(t *testing.T, s store.Store) {
	ctx := context.Background()
	types, err := s.TicketTypes(ctx)
	must(t, err)
	flows := map[string]string{}
	for _, ty := range types {
		flows[ty.Name] = ty.Flow
	}
	want := map[string]string{"incident": "standard", "requirement": "requirement", "feedback": "standard", "task": "standard", "approval": "standard"}
	if len(types) != 5 || !mapsEqual(flows, want) || types[0].LabelZH == "" {
		t.Errorf("ticket types = %+v", types)
	}
	if _, ok, err := s.PriorityWeights(ctx); ok || err != nil {
		t.Errorf("weights before any were set: ok %v, %v", ok, err)
	}
	w := model.PriorityWeights{UsersAffected: 5, Severity: 4, BusinessRelevance: 3, Effort: 0, StrategicFit: 1}
	must(t, s.SetPriorityWeights(ctx, w))
	w.Effort = 2
	must(t, s.SetPriorityWeights(ctx, w))
	got, ok, err := s.PriorityWeights(ctx)
	must(t, err)
	if !ok || got != w {
		t.Errorf("weights = %+v (ok %v), want %+v", got, ok, w)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
