package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// serviceDesk is a 售后 department with a webhook channel, one customer
// message in it and an agent.
type serviceDesk struct {
	n          *apptest.Node
	unit       int64
	hook       apptest.Hook
	msg        model.Message
	agentID    int64
	agentToken string
}

func newServiceDesk(t *testing.T) serviceDesk {
	n := apptest.Start(t)
	d := serviceDesk{n: n, unit: n.CreateOrgUnit(1, "售后部")}
	d.hook = n.CreateWebhook("app chat", d.unit, "")
	d.agentID, d.agentToken = n.CreateUser("li", "agent", d.unit)
	d.msg = d.post(t, "m1", "cust-1", "设备连不上网，很紧急\n型号 R1")
	return d
}

// post sends a customer message and returns it as stored.
func (d serviceDesk) post(t *testing.T, id, sender, text string) model.Message {
	t.Helper()
	if st, body := d.n.Post(d.hook, apptest.NewMessage(id, "conv-"+sender, sender, text)); st != http.StatusOK {
		t.Fatalf("post %s: %d %s", id, st, body)
	}
	var p page
	apptest.WaitFor(t, 5*time.Second, "message "+id, func() bool {
		d.n.Do("GET", "/api/v1/messages?q="+strings.Fields(text)[0], d.n.Token, nil, &p)
		for _, m := range p.Items {
			if m.ExternalID == id {
				p.Items = []model.Message{m}
				return true
			}
		}
		return false
	})
	return p.Items[0]
}

func (d serviceDesk) create(t *testing.T, token string, body map[string]any) (int, model.Ticket) {
	t.Helper()
	var tk model.Ticket
	st := d.n.Do("POST", "/api/v1/tickets", token, body, &tk)
	return st, tk
}

// wantCode checks an error answer's status and catalogue code.
func wantCode(t *testing.T, n *apptest.Node, method, path, token string, body any, status int, code string) apiError {
	t.Helper()
	var e apiError
	if st := n.Do(method, path, token, body, &e); st != status || e.Error.Code != code {
		t.Errorf("%s %s = %d %s %q, want %d %s", method, path, st, e.Error.Code, e.Error.Message, status, code)
	}
	return e
}

func TestTicketFromMessageCarriesRequesterAndScore(t *testing.T) {
	d := newServiceDesk(t)
	st, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID},
		"factors": map[string]int{"users_affected": 4, "severity": 5, "business_relevance": 3, "effort": 2, "strategic_fit": 3}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if !strings.HasPrefix(tk.Key, "SB-") || tk.Title != "设备连不上网，很紧急" || tk.Status != model.TicketAccepted || tk.OrgUnitID != d.unit {
		t.Errorf("ticket = %s %q %s unit %d", tk.Key, tk.Title, tk.Status, tk.OrgUnitID)
	}
	r := tk.Requester
	if r.PersonID != d.msg.SenderID || r.ExternalID != "cust-1" || r.ConversationID != d.msg.ConversationID || r.ChannelID != d.hook.ID {
		t.Errorf("requester = %+v, want the sender in their conversation", r)
	}
	var detail ticket.Detail
	if st := d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.agentToken, nil, &detail); st != 200 {
		t.Fatalf("detail: %d", st)
	}
	e := detail.Explanation
	if detail.Priority != "P1" || detail.Score != 75 || !e.Scored || len(e.Factors) != 5 || e.Factors[1].Factor != "severity" || e.Factors[1].Weight != 3 {
		t.Errorf("priority %s score %d, explanation %+v; want P1 75 with every factor and weight", detail.Priority, detail.Score, e)
	}
	if len(detail.Sources) != 1 || detail.Sources[0].MessageID != d.msg.ID || len(detail.History) != 1 || detail.History[0].ActorID != d.agentID {
		t.Errorf("detail sources %+v history %+v", detail.Sources, detail.History)
	}
}

func TestTicketCreationIsIdempotentBySourceMessage(t *testing.T) {
	d := newServiceDesk(t)
	body := map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}}
	_, first := d.create(t, d.agentToken, body)
	st, again := d.create(t, d.agentToken, body)
	if st != http.StatusOK || again.ID != first.ID {
		t.Errorf("same source again: %d ticket %d, want 200 with ticket %d", st, again.ID, first.ID)
	}
	other := d.post(t, "m2", "cust-2", "打印机 坏了")
	const n = 10
	statuses, ids := make([]int, n), make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var tk model.Ticket
			statuses[i] = d.n.Do("POST", "/api/v1/tickets", d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{other.ID}}, &tk)
			ids[i] = tk.ID
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if statuses[i] == http.StatusCreated {
			created++
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Errorf("concurrent creation %d: status %d ticket %d, want ticket %d", i, statuses[i], ids[i], ids[0])
		}
	}
	var list struct{ Items []model.Ticket }
	d.n.Do("GET", "/api/v1/tickets", d.agentToken, nil, &list)
	if created != 1 || len(list.Items) != 2 {
		t.Errorf("%d concurrent creations: %d created, %d tickets listed; want 1 and 2", n, created, len(list.Items))
	}
}

func TestTicketLifecycleThroughAPI(t *testing.T) {
	d := newServiceDesk(t)
	events, cancel := d.n.App.Bus.Subscribe(16, bus.TicketCreated, bus.TicketStatusChanged)
	defer cancel()
	_, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}})
	path := fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID)
	move := func(to, reason string) int {
		return d.n.Do("POST", path, d.agentToken, map[string]string{"to": to, "reason": reason}, &tk)
	}
	for _, to := range []string{"in_progress", "waiting", "in_progress", "resolved"} {
		if st := move(to, ""); st != 200 || string(tk.Status) != to {
			t.Fatalf("move to %s: %d, status %s", to, st, tk.Status)
		}
	}
	e := wantCode(t, d.n, "POST", path, d.agentToken, map[string]string{"to": "waiting"}, http.StatusConflict, "SB-2101")
	if !strings.Contains(e.Error.Message, "resolved (已解决)") || !strings.Contains(e.Error.Message, "waiting (待反馈)") {
		t.Errorf("refusal %q does not name both states", e.Error.Message)
	}
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]string{"to": "in_progress"}, http.StatusUnprocessableEntity, "SB-2104")
	if st := move("closed", ""); st != 200 || tk.ClosedAt.IsZero() || tk.ResolvedAt.IsZero() {
		t.Fatalf("close: %d %+v", st, tk)
	}
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]string{"to": "in_progress", "reason": "没解决"}, http.StatusConflict, "SB-2101")
	var detail ticket.Detail
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.agentToken, nil, &detail)
	var trail []string
	for _, h := range detail.History {
		trail = append(trail, h.Field+":"+h.To)
	}
	if got := strings.Join(trail, " "); got != "created:accepted status:in_progress status:waiting status:in_progress status:resolved status:closed" || len(detail.Allowed) != 0 {
		t.Errorf("history %s, allowed %v", got, detail.Allowed)
	}
	got := map[string]int{}
	for len(events) > 0 {
		ev := <-events
		if ev.Ticket == nil || ev.Ticket.ID != tk.ID {
			t.Errorf("event %s without the ticket", ev.Type)
		}
		got[ev.Type]++
	}
	if got[bus.TicketCreated] != 1 || got[bus.TicketStatusChanged] != 5 {
		t.Errorf("bus events %v, want 1 created and 5 status changes", got)
	}
}

func TestTicketRequirementFlowNeedsReasonToDecline(t *testing.T) {
	d := newServiceDesk(t)
	_, tk := d.create(t, d.agentToken, map[string]any{"type": "requirement", "title": "导出 Excel 报表", "org_unit_id": d.unit})
	path := fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID)
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]string{"to": "in_progress"}, http.StatusConflict, "SB-2101")
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]string{"to": "cancelled"}, http.StatusUnprocessableEntity, "SB-2104")
	if st := d.n.Do("POST", path, d.agentToken, map[string]string{"to": "confirmed"}, &tk); st != 200 || tk.Status != model.TicketConfirmed {
		t.Errorf("confirm a requirement: %d %s", st, tk.Status)
	}
	_, inc := d.create(t, d.agentToken, map[string]any{"type": "incident", "title": "宕机", "org_unit_id": d.unit})
	wantCode(t, d.n, "POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", inc.ID), d.agentToken, map[string]string{"to": "confirmed"}, http.StatusConflict, "SB-2101")
	wantCode(t, d.n, "POST", "/api/v1/tickets", d.agentToken, map[string]any{"type": "bug", "title": "x"}, http.StatusUnprocessableEntity, "SB-2103")
}

func TestTicketVersionConflict(t *testing.T) {
	d := newServiceDesk(t)
	_, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}})
	updates, cancel := d.n.App.Bus.Subscribe(16, bus.TicketUpdated)
	defer cancel()
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	var saved model.Ticket
	if st := d.n.Do("PATCH", path, d.agentToken, map[string]any{"version": tk.Version, "title": "路由器故障", "assignee_id": d.agentID, "tags": []string{"网络"}}, &saved); st != 200 || saved.Version != tk.Version+1 {
		t.Fatalf("first edit: %d version %d", st, saved.Version)
	}
	wantCode(t, d.n, "PATCH", path, d.agentToken, map[string]any{"version": tk.Version, "title": "overwritten"}, http.StatusConflict, "SB-2102")
	wantCode(t, d.n, "PATCH", path, d.agentToken, map[string]any{"title": "no version"}, http.StatusBadRequest, "SB-1007")
	wantCode(t, d.n, "PATCH", path, d.agentToken, map[string]any{"version": saved.Version, "assignee_id": 999}, http.StatusUnprocessableEntity, "SB-2108")
	var detail ticket.Detail
	d.n.Do("GET", path, d.agentToken, nil, &detail)
	if detail.Title != "路由器故障" || detail.AssigneeID != d.agentID || detail.Version != saved.Version {
		t.Errorf("after a refused stale edit: %q assignee %d version %d", detail.Title, detail.AssigneeID, detail.Version)
	}
	if len(updates) != 1 {
		t.Errorf("%d ticket.updated events, want 1 (refused edits publish nothing)", len(updates))
	}
	fields := map[string]string{}
	for _, h := range detail.History {
		fields[h.Field] = h.From + "→" + h.To
	}
	if fields["title"] != "设备连不上网，很紧急→路由器故障" || fields["assignee_id"] != fmt.Sprintf("→%d", d.agentID) || fields["tags"] != `→["网络"]` {
		t.Errorf("history of the edit = %v", fields)
	}
}
