package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

type ticketList struct {
	Items      []model.Ticket `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

func listTicketIDs(t *testing.T, d serviceDesk, token, query string) []int64 {
	t.Helper()
	var l ticketList
	if st := d.n.Do("GET", "/api/v1/tickets?"+query, token, nil, &l); st != 200 {
		t.Fatalf("list %q: %d", query, st)
	}
	ids := []int64{}
	for _, tk := range l.Items {
		ids = append(ids, tk.ID)
	}
	return ids
}

func TestTicketPermissions(t *testing.T) {
	d := newServiceDesk(t)
	sales := d.n.CreateOrgUnit(1, "销售部")
	_, salesAgent := d.n.CreateUser("wang", "agent", sales)
	memberID, member := d.n.CreateUser("zhao", "member", d.unit)
	_, incident := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}})
	path := fmt.Sprintf("/api/v1/tickets/%d", incident.ID)

	// Another department's agent neither sees nor changes it.
	for _, q := range []string{"", fmt.Sprintf("org_unit_id=%d", d.unit), "q=" + incident.Key} {
		if ids := listTicketIDs(t, d, salesAgent, q); len(ids) != 0 {
			t.Errorf("sales agent lists %q = %v, want nothing", q, ids)
		}
	}
	wantCode(t, d.n, "GET", path, salesAgent, nil, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "PATCH", path, salesAgent, map[string]any{"version": 1, "title": "x"}, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", path+"/transitions", salesAgent, map[string]any{"to": "in_progress"}, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", path+"/comments", salesAgent, map[string]any{"body": "hi"}, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", "/api/v1/tickets", salesAgent, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}}, http.StatusNotFound, "SB-2001")
	wantCode(t, d.n, "GET", "/api/v1/tickets/99999", salesAgent, nil, http.StatusNotFound, "SB-2001")

	// A member of the unit: not the unit's incidents, but their own tasks.
	wantCode(t, d.n, "GET", path, member, nil, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", "/api/v1/tickets", member, map[string]any{"type": "incident", "title": "x", "org_unit_id": d.unit}, http.StatusForbidden, "SB-3003")
	st, task := d.create(t, member, map[string]any{"type": "task", "title": "整理周报", "org_unit_id": d.unit})
	if st != http.StatusCreated || task.CreatedBy != memberID {
		t.Fatalf("member's personal task: %d %+v", st, task)
	}
	if ids := listTicketIDs(t, d, member, ""); !slices.Equal(ids, []int64{task.ID}) {
		t.Errorf("member lists %v, want only their task %d", ids, task.ID)
	}
	if ids := listTicketIDs(t, d, d.agentToken, ""); !slices.Equal(ids, []int64{task.ID, incident.ID}) {
		t.Errorf("agent of the unit lists %v, want both", ids)
	}
	taskPath := fmt.Sprintf("/api/v1/tickets/%d", task.ID)
	if st := d.n.Do("POST", taskPath+"/transitions", member, map[string]any{"to": "in_progress"}, nil); st != 200 {
		t.Errorf("member moves their own task: %d", st)
	}
	// Internal comments are for staff; the member sees the public one.
	d.n.Do("POST", taskPath+"/comments", d.agentToken, map[string]any{"body": "内部: 优先级低"}, nil)
	d.n.Do("POST", taskPath+"/comments", d.agentToken, map[string]any{"body": "已看到", "public": true}, nil)
	for _, c := range []struct {
		token string
		want  int
	}{{member, 1}, {d.agentToken, 2}} {
		var detail ticket.Detail
		d.n.Do("GET", taskPath, c.token, nil, &detail)
		if len(detail.Comments) != c.want {
			t.Errorf("comments shown = %+v, want %d", detail.Comments, c.want)
		}
	}

	var audit struct{ Items []model.AuditEntry }
	d.n.Do("GET", "/api/v1/audit?denied=true", d.n.Token, nil, &audit)
	denied := map[string]int{}
	for _, e := range audit.Items {
		if !e.Allowed && e.Resource == fmt.Sprintf("ticket:%d", incident.ID) {
			denied[e.Login]++
		}
	}
	for _, e := range audit.Items {
		if !e.Allowed && e.Login == "wang" && e.Action == "ticket.list" && e.Resource == fmt.Sprintf("org_unit:%d", d.unit) {
			denied["wang list"]++
		}
	}
	if denied["wang"] < 4 || denied["zhao"] < 1 || denied["wang list"] != 1 {
		t.Errorf("denied ticket attempts in the audit trail = %v", denied)
	}
}

func TestPriorityWeightsAreTheAdmins(t *testing.T) {
	d := newServiceDesk(t)
	var doc struct {
		Weights model.PriorityWeights
		Default bool
	}
	if st := d.n.Do("GET", "/api/v1/priority-weights", d.agentToken, nil, &doc); st != 200 || !doc.Default || doc.Weights != ticket.DefaultWeights {
		t.Errorf("weights before any were set: %d %+v", st, doc)
	}
	severityOnly := map[string]int{"severity": 1}
	wantCode(t, d.n, "PUT", "/api/v1/priority-weights", d.agentToken, severityOnly, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "PUT", "/api/v1/priority-weights", d.n.Token, map[string]int{}, http.StatusUnprocessableEntity, "SB-2106")
	if st := d.n.Do("PUT", "/api/v1/priority-weights", d.n.Token, severityOnly, &doc); st != 200 || doc.Default || doc.Weights.Severity != 1 || doc.Weights.UsersAffected != 0 {
		t.Fatalf("set weights: %d %+v", st, doc)
	}
	factors := map[string]int{"users_affected": 1, "severity": 5, "business_relevance": 1, "effort": 5, "strategic_fit": 1}
	_, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}, "factors": factors})
	if tk.Priority != "P1" || tk.Score != 100 {
		t.Errorf("with only severity weighted, a severity-5 ticket is %s (%d), want P1 (100)", tk.Priority, tk.Score)
	}
	factors["severity"] = 6
	wantCode(t, d.n, "POST", "/api/v1/tickets", d.agentToken, map[string]any{"type": "task", "title": "x", "org_unit_id": d.unit, "factors": factors},
		http.StatusUnprocessableEntity, "SB-2105")
	// Changing the factors rescores with the weights now in use.
	factors["severity"] = 1
	var saved model.Ticket
	d.n.Do("PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.agentToken, map[string]any{"version": tk.Version, "factors": factors}, &saved)
	if saved.Priority != "P4" || saved.Explanation.Factors[1].Value != 1 {
		t.Errorf("rescored ticket = %s %+v", saved.Priority, saved.Explanation)
	}
}

func TestTicketListFilters(t *testing.T) {
	d := newServiceDesk(t)
	high := map[string]int{"users_affected": 5, "severity": 5, "business_relevance": 5, "effort": 1, "strategic_fit": 5}
	_, p1 := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}, "factors": high})
	_, req := d.create(t, d.agentToken, map[string]any{"type": "requirement", "title": "导出报表", "org_unit_id": d.unit, "assignee_id": d.agentID})
	_, fb := d.create(t, d.agentToken, map[string]any{"type": "feedback", "title": "界面好看", "org_unit_id": d.unit})
	d.n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", fb.ID), d.agentToken, map[string]any{"to": "resolved"}, nil)
	cases := []struct {
		query string
		want  []int64
	}{
		{"", []int64{fb.ID, req.ID, p1.ID}},
		{"status=accepted", []int64{req.ID, p1.ID}},
		{"status=resolved,closed", []int64{fb.ID}},
		{"type=requirement", []int64{req.ID}},
		{"priority=P1", []int64{p1.ID}},
		{fmt.Sprintf("assignee_id=%d", d.agentID), []int64{req.ID}},
		{fmt.Sprintf("requester_id=%d", d.msg.SenderID), []int64{p1.ID}},
		{fmt.Sprintf("org_unit_id=%d", d.unit), []int64{fb.ID, req.ID, p1.ID}},
		{"q=报表", []int64{req.ID}},
		{"q=" + p1.Key, []int64{p1.ID}},
	}
	for _, c := range cases {
		if got := listTicketIDs(t, d, d.agentToken, c.query); !slices.Equal(got, c.want) {
			t.Errorf("list %q = %v, want %v", c.query, got, c.want)
		}
	}
	var page ticketList
	d.n.Do("GET", "/api/v1/tickets?limit=2", d.agentToken, nil, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page = %d items, cursor %q", len(page.Items), page.NextCursor)
	}
	if got := listTicketIDs(t, d, d.agentToken, "limit=2&cursor="+page.NextCursor); !slices.Equal(got, []int64{p1.ID}) {
		t.Errorf("second page = %v, want [%d]", got, p1.ID)
	}
	wantCode(t, d.n, "GET", "/api/v1/tickets?status=done", d.agentToken, nil, http.StatusBadRequest, "SB-2004")
	wantCode(t, d.n, "GET", "/api/v1/tickets?priority=P9", d.agentToken, nil, http.StatusBadRequest, "SB-2004")
}
