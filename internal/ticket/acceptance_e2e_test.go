package ticket_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// serviceDesk is the scenario: customers write into a chat channel
// of 客服部; incidents are routed to the 售后 team — two agents and a lead,
// the lead reached on the same channel ("lead-dm").
type serviceDesk struct {
	*desk
	team, lead  int64
	busy, free  int64
	freeToken   string
	customerTwo string
}

func newServiceDesk(t *testing.T) *serviceDesk {
	t.Helper()
	d := newDesk(t)
	n := d.n
	s := &serviceDesk{desk: d, customerTwo: "conv-cust-2"}
	s.team = n.CreateOrgUnit(1, "售后")
	s.lead, _ = n.CreateUser("zhao-lead", string(model.RoleDeptHead), s.team)
	var busyToken string
	s.busy, busyToken = n.CreateUser("qian", string(model.RoleAgent), s.team)
	s.free, s.freeToken = n.CreateUser("sun", string(model.RoleAgent), s.team)
	for _, tok := range []string{busyToken, s.freeToken} {
		if st := n.Do("PUT", "/api/v1/me/availability", tok, map[string]any{"available": true}, nil); st != http.StatusOK {
			t.Fatalf("availability: %d", st)
		}
	}
	chain := map[string]any{"chain": []map[string]any{{"channel_id": d.hook.ID, "destination": "lead-dm"}}}
	if st := n.Do("PUT", fmt.Sprintf("/api/v1/users/%d/notify-settings", s.lead), n.Token, chain, nil); st != http.StatusOK {
		t.Fatalf("lead's notify settings: %d", st)
	}
	routing := map[string]any{"rules": []map[string]any{{"type": "incident", "team_id": s.team}},
		"teams": []map[string]any{{"team_id": s.team, "mode": "least_loaded"}}, "default_capacity": 3}
	if st := n.Do("PUT", "/api/v1/ticket-routing", n.Token, routing, nil); st != http.StatusOK {
		t.Fatalf("routing: %d", st)
	}
	policy := map[string]any{"policies": []map[string]any{{"name": "test-P1", "type": "incident", "priority": "P1",
		"first_response": "1h", "resolution": "4s", "calendar": "24x7"}}}
	if st := n.Do("PUT", "/api/v1/sla-policies", n.Token, policy, nil); st != http.StatusOK {
		t.Fatalf("sla policy: %d", st)
	}
	// qian already holds an open ticket, so sun is the least loaded.
	held := map[string]any{"type": "incident", "title": "旧工单", "org_unit_id": s.team, "team_id": s.team, "assignee_id": s.busy}
	if st := n.Do("POST", "/api/v1/tickets", n.Token, held, nil); st != http.StatusCreated {
		t.Fatalf("qian's ticket: %d", st)
	}
	d.ticketRule(t)
	return s
}

// TestAcceptanceIncidentFromChatToRating is issue #6's scenario, from the
// customer's chat to their rating, on the binary's own wiring.
func TestAcceptanceIncidentFromChatToRating(t *testing.T) {
	s := newServiceDesk(t)
	s.say(t, "m1", "设备连不上网，很紧急")
	var tk model.Ticket
	apptest.WaitFor(t, 5*time.Second, "the customer's incident, assigned", func() bool {
		for _, x := range s.tickets(t) {
			if x.Title == "设备连不上网，很紧急" && x.AssigneeID != 0 {
				tk = x
				return true
			}
		}
		return false
	})
	if tk.Type != model.TypeIncident || tk.Priority != "P1" || tk.TeamID != s.team || tk.AssigneeID != s.free {
		t.Fatalf("ticket: type %s priority %s team %d assignee %d; want a P1 incident of 售后 (%d) assigned to the least-loaded agent %d",
			tk.Type, tk.Priority, tk.TeamID, tk.AssigneeID, s.team, s.free)
	}
	s.told(t, 1, tk.Key, "已受理")

	s.token = s.freeToken // the agent of 售后 works the ticket raised in 客服部
	s.move(t, tk, "in_progress", "")
	s.told(t, 2, tk.Key, "处理中")

	// A second customer reports the same outage: it joins the first.
	if st, body := s.n.Post(s.hook, apptest.NewMessage("m2", s.customerTwo, "cust-2", "我的设备也连不上网了，急")); st != http.StatusOK {
		t.Fatalf("second customer: %d %s", st, body)
	}
	apptest.WaitFor(t, 5*time.Second, "the second report counted on the first", func() bool {
		return s.detail(t, tk.ID).Mentions.Count == 2
	})
	if m := s.detail(t, tk.ID).Mentions; len(m.People) != 2 {
		t.Errorf("mentions = %+v, want both customers", m)
	}
	apptest.WaitFor(t, 15*time.Second, "a message to the second customer", func() bool { return len(s.chat.in(s.customerTwo)) > 0 })
	time.Sleep(300 * time.Millisecond) // a second notice, were one sent, would be here by now
	if got := s.chat.in(s.customerTwo); len(got) != 1 || !containsAll(got[0], []string{tk.Key, "已合并"}) {
		t.Errorf("second customer got %q, want only the merge notice naming %s (no 已受理 for a ticket that was merged at once)", got, tk.Key)
	}

	apptest.WaitFor(t, 15*time.Second, "the team lead told of the breach", func() bool { return len(s.chat.in("lead-dm")) > 0 })
	if lead := s.chat.in("lead-dm")[0]; !containsAll(lead, []string{tk.Key}) {
		t.Errorf("lead was told %q, want the ticket %s", lead, tk.Key)
	}
	// The lead is told first, then the breach is written with whom it told.
	apptest.WaitFor(t, 5*time.Second, "the breach in the history", func() bool { return len(historyOf(s.detail(t, tk.ID), "sla", "")) > 0 })
	if det := s.detail(t, tk.ID); det.SLA == nil || !det.SLA.ResolutionBreached {
		t.Errorf("after the breach sla = %+v, want resolution breached", det.SLA)
	}

	s.move(t, tk, "resolved", "")
	s.told(t, 3, tk.Key, "已解决", "1–5")
	s.say(t, "m3", "5")
	apptest.WaitFor(t, 5*time.Second, "CSAT 5 recorded", func() bool { return s.ticket(t, tk.ID).CSAT == 5 })
}
