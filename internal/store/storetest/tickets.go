package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// ticketFixture is an org, a channel of deptA with two messages from one
// customer, and an agent user.
type ticketFixture struct {
	o     org
	msgs  []model.Message
	agent int64
}

func newTicketFixture(t *testing.T, s store.Store) ticketFixture {
	t.Helper()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: o.deptA, Config: []byte(`{}`)})
	ms := commit(t, s, ch, envelope(ch.ID, "m1", "c1", "cust", "设备连不上网，很紧急", base),
		envelope(ch.ID, "m2", "c1", "cust", "还是不行", base.Add(time.Minute)),
		envelope(ch.ID, "m3", "c2", "other", "发票", base.Add(2*time.Minute)))
	u, err := s.CreateUser(context.Background(), model.User{Login: "agent", Name: "Agent", Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: o.deptA}}})
	must(t, err)
	return ticketFixture{o: o, msgs: ms, agent: u.ID}
}

func source(m model.Message) model.TicketSource {
	return model.TicketSource{MessageID: m.ID, ChannelID: m.ChannelID, ConversationID: m.ConversationID}
}

func sampleTicket(unit int64, title string) model.Ticket {
	return model.Ticket{Type: model.TypeIncident, Title: title, Status: model.TicketAccepted, Priority: "P2", Score: 60,
		Factors:     model.PriorityFactors{UsersAffected: 4, Severity: 4, BusinessRelevance: 3, Effort: 2, StrategicFit: 3},
		Explanation: model.ScoreExplanation{Scored: true, Score: 60, Priority: "P2", Formula: "f"}, OrgUnitID: unit,
		Category: "网络", Tags: []string{"紧急", "network"}, Fields: map[string]string{"device": "R1"}}
}

func mustTicket(t *testing.T, s store.Store, nt store.NewTicket) model.Ticket {
	t.Helper()
	tk, created, err := s.CreateTicket(context.Background(), nt)
	if err != nil || !created {
		t.Fatalf("create ticket %q: created %v, %v", nt.Ticket.Title, created, err)
	}
	return tk
}

func testTicketRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	in := sampleTicket(f.o.deptA, "设备连不上网")
	in.AssigneeID, in.Watchers, in.TeamID = f.agent, []int64{f.agent}, f.o.teamA1
	in.DueAt, in.Description = base.Add(8*time.Hour), "客户说：设备连不上网\n型号 R1"
	in.Requester = model.Requester{PersonID: f.msgs[0].SenderID, Name: "Name cust", ChannelID: f.msgs[0].ChannelID,
		ConversationID: f.msgs[0].ConversationID, ExternalID: "cust"}
	tk := mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(f.msgs[0]), source(f.msgs[1])}, ActorID: f.agent})
	second := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "second")})
	if tk.Number < 1 || second.Number != tk.Number+1 || tk.Key != model.TicketKey(tk.Number) || tk.Version != 1 {
		t.Errorf("numbers %d then %d (key %q, version %d): want consecutive human numbers from version 1", tk.Number, second.Number, tk.Key, tk.Version)
	}
	got, err := s.GetTicket(ctx, store.TicketScope{All: true}, tk.ID)
	must(t, err)
	if !reflect.DeepEqual(got, tk) {
		t.Errorf("GetTicket = %+v\nwant %+v", got, tk)
	}
	if got.Requester != in.Requester || got.Description != in.Description || !slices.Equal(got.Tags, []string{"network", "紧急"}) || got.Fields["device"] != "R1" ||
		got.Factors != in.Factors || !got.DueAt.Equal(in.DueAt) || got.CreatedBy != f.agent || got.TeamID != f.o.teamA1 {
		t.Errorf("stored ticket lost fields: %+v", got)
	}
	srcs, err := s.TicketSources(ctx, tk.ID)
	must(t, err)
	if len(srcs) != 2 || srcs[0].MessageID != f.msgs[0].ID || srcs[1].ConversationID != f.msgs[1].ConversationID {
		t.Errorf("sources = %+v", srcs)
	}
	hist, err := s.TicketHistory(ctx, tk.ID)
	must(t, err)
	if len(hist) != 1 || hist[0].Field != "created" || hist[0].ActorID != f.agent || hist[0].To != "accepted" {
		t.Errorf("history = %+v, want one created entry by the agent", hist)
	}
	_, err = s.GetTicket(ctx, store.TicketScope{All: true}, 99999)
	wantErr(t, "unknown ticket", err, store.ErrNotFound)
}

func testTicketIdempotentSource(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	first := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "a"), Sources: []model.TicketSource{source(f.msgs[0])}})
	again, created, err := s.CreateTicket(ctx, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "a again"),
		Sources: []model.TicketSource{source(f.msgs[1]), source(f.msgs[0])}})
	must(t, err)
	if created || again.ID != first.ID || again.Title != "a" {
		t.Errorf("second creation from the same message: created %v, ticket %d %q; want ticket %d unchanged", created, again.ID, again.Title, first.ID)
	}
	if srcs, _ := s.TicketSources(ctx, first.ID); len(srcs) != 1 {
		t.Errorf("a refused creation attached sources: %+v", srcs)
	}
	other := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "b"), Sources: []model.TicketSource{source(f.msgs[2])}})
	_, _, err = s.CreateTicket(ctx, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "both"),
		Sources: []model.TicketSource{source(f.msgs[0]), source(f.msgs[2])}})
	wantErr(t, fmt.Sprintf("sources of tickets %d and %d", first.ID, other.ID), err, store.ErrConflict)
}

func testTicketConcurrentSource(t *testing.T, s store.Store) {
	f := newTicketFixture(t, s)
	const n = 8
	ids := make([]int64, n)
	made := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk, created, err := s.CreateTicket(context.Background(), store.NewTicket{Ticket: sampleTicket(f.o.deptA, "race"),
				Sources: []model.TicketSource{source(f.msgs[0])}})
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			ids[i], made[i] = tk.ID, created
		})
	}
	wg.Wait()
	all, err := s.ListTickets(context.Background(), store.TicketScope{All: true}, store.TicketFilter{})
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("%d concurrent creations from one message stored %d tickets, want 1", n, len(all))
	}
	for i := range n {
		if ids[i] != all[0].ID {
			t.Errorf("creation %d got ticket %d, want %d", i, ids[i], all[0].ID)
		}
	}
	if c := countTrue(made); c != 1 {
		t.Errorf("%d creations report created, want 1", c)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func testTicketConcurrentNumbers(t *testing.T, s store.Store) {
	f := newTicketFixture(t, s)
	const n = 20
	nums := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tk, _, err := s.CreateTicket(context.Background(), store.NewTicket{Ticket: sampleTicket(f.o.deptA, fmt.Sprint("t", i))})
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			nums[i] = tk.Number
		})
	}
	wg.Wait()
	slices.Sort(nums)
	for i := 1; i < n; i++ {
		if nums[i] != nums[i-1]+1 {
			t.Fatalf("numbers under concurrent creation = %v, want %d distinct consecutive", nums, n)
		}
	}
}

func testTicketVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "v")})
	a, b := tk, tk
	a.Status, a.AssigneeID, a.Tags = model.TicketInProgress, f.agent, []string{"x"}
	saved, err := s.UpdateTicket(ctx, a, []model.TicketChange{{ActorID: f.agent, Field: "status", From: "accepted", To: "in_progress", Note: "go"}})
	must(t, err)
	if saved.Version != 2 {
		t.Errorf("version after update = %d, want 2", saved.Version)
	}
	b.Title = "overwrite"
	_, err = s.UpdateTicket(ctx, b, nil)
	wantErr(t, "update from a stale read", err, store.ErrStale)
	got, err := s.GetTicket(ctx, store.TicketScope{All: true}, tk.ID)
	must(t, err)
	if got.Title != "v" || got.Status != model.TicketInProgress || got.AssigneeID != f.agent || !slices.Equal(got.Tags, []string{"x"}) || got.Version != 2 {
		t.Errorf("after a refused stale write: %+v", got)
	}
	hist, _ := s.TicketHistory(ctx, tk.ID)
	if len(hist) != 2 || hist[1].Field != "status" || hist[1].From != "accepted" || hist[1].To != "in_progress" || hist[1].Note != "go" {
		t.Errorf("history = %+v", hist)
	}
	missing := tk
	missing.ID = 99999
	_, err = s.UpdateTicket(ctx, missing, nil)
	wantErr(t, "update of a missing ticket", err, store.ErrNotFound)
}

func testTicketScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	inA := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.teamA1, "team A1")})
	inB := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptB, "dept B")})
	mine := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptB, "mine in B"), ActorID: f.agent})
	watched := sampleTicket(f.o.deptB, "watched in B")
	watched.Watchers = []int64{f.agent}
	w := mustTicket(t, s, store.NewTicket{Ticket: watched})
	routed := sampleTicket(f.o.deptB, "raised in B, routed to team A1")
	routed.TeamID = f.o.teamA1
	toA := mustTicket(t, s, store.NewTicket{Ticket: routed})
	cases := []struct {
		name  string
		scope store.TicketScope
		want  []int64
	}{
		{"all", store.TicketScope{All: true}, []int64{toA.ID, w.ID, mine.ID, inB.ID, inA.ID}},
		{"dept A subtree, with the ticket routed to its team", store.TicketScope{Units: []int64{f.o.deptA}}, []int64{toA.ID, inA.ID}},
		{"own in B", store.TicketScope{Units: []int64{f.o.deptA}, UserID: f.agent}, []int64{toA.ID, w.ID, mine.ID, inA.ID}},
		{"nothing", store.TicketScope{}, []int64{}},
	}
	for _, c := range cases {
		got, err := s.ListTickets(ctx, c.scope, store.TicketFilter{})
		must(t, err)
		if ids := ticketIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("%s: list = %v, want %v", c.name, ids, c.want)
		}
	}
	_, err := s.GetTicket(ctx, store.TicketScope{Units: []int64{f.o.deptA}}, inB.ID)
	wantErr(t, "get another department's ticket", err, store.ErrNotFound)
}

func ticketIDs(ts []model.Ticket) []int64 {
	out := []int64{}
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}
