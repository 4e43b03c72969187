package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// A rule's ticket action is checked when the rule is saved: an unknown
// type, a team that does not exist or a factor out of range is refused
// with the field named, before any message meets the rule.
func TestRuleTicketActionIsValidatedOnSave(t *testing.T) {
	n := apptest.Start(t)
	rule := func(ticket map[string]any) map[string]any {
		return map[string]any{"name": "报障", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"故障"}}},
			"actions": map[string]any{"ticket": ticket}}
	}
	cases := []struct {
		name   string
		ticket map[string]any
		status int
		code   string
	}{
		{"unknown type", map[string]any{"type": "bug"}, 422, "SB-2111"},
		{"no such team", map[string]any{"type": "incident", "team_id": 999}, 422, "SB-2111"},
		{"factor out of range", map[string]any{"type": "incident", "factors": map[string]int{"users_affected": 6, "severity": 5,
			"business_relevance": 5, "effort": 1, "strategic_fit": 5}}, 400, "SB-2006"},
		{"some factors only", map[string]any{"type": "incident", "factors": map[string]int{"severity": 5}}, 400, "SB-2006"},
		{"no type", map[string]any{"category": "网络"}, 400, "SB-2006"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, n, "POST", "/api/v1/rules", n.Token, rule(c.ticket), c.status, c.code)
		})
	}
	ok := rule(map[string]any{"type": "incident", "category": "网络", "team_id": 1})
	var saved struct {
		ID      int64 `json:"id"`
		Actions struct {
			Ticket map[string]any `json:"ticket"`
		} `json:"actions"`
	}
	if st := n.Do("POST", "/api/v1/rules", n.Token, ok, &saved); st != http.StatusCreated || saved.Actions.Ticket["type"] != "incident" {
		t.Fatalf("valid rule: %d %+v", st, saved)
	}
}

// A dry run says which messages the draft would make tickets of.
func TestDryRunShowsTheTicketAction(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	ingest(t, n, h, "m1", "打印机连不上网")
	draft := map[string]any{"rule": map[string]any{"name": "断网", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"连不上网"}}},
		"actions": map[string]any{"ticket": map[string]any{"type": "incident", "factors": map[string]int{"users_affected": 5, "severity": 5,
			"business_relevance": 5, "effort": 1, "strategic_fit": 5}}}}}
	st, _, body := raw(t, n, "POST", "/api/v1/rules/dry-run", n.Token, "application/json", mustJSON(t, draft))
	var rep dryRunReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil || st != 200 || len(rep.Items) != 1 {
		t.Fatalf("dry run: %d %s", st, body)
	}
	if tk := rep.Items[0].Outcome.Ticket; tk == nil || tk.Type != "incident" || tk.Factors.Severity != 5 {
		t.Fatalf("outcome ticket = %+v, want the incident with its factors", tk)
	}
}

// Admins set the extractors; a pattern that does not compile is refused
// and the defaults stay; the next ticket's fields come from the new set.
func TestTicketExtractorsAreSetAndApplied(t *testing.T) {
	d := newServiceDesk(t)
	var doc struct {
		Extractors []model.TicketExtractor `json:"extractors"`
		Default    bool                    `json:"default"`
	}
	if st := d.n.Do("GET", "/api/v1/ticket-extractors", d.n.Token, nil, &doc); st != 200 || !doc.Default || len(doc.Extractors) < 4 {
		t.Fatalf("defaults: %d %+v", st, doc)
	}
	wantCode(t, d.n, "GET", "/api/v1/ticket-extractors", d.agentToken, nil, 403, "SB-3003")
	bad := map[string]any{"extractors": []map[string]string{{"name": "ticket_ref", "label": "工单", "pattern": "工单(["}}}
	wantCode(t, d.n, "PUT", "/api/v1/ticket-extractors", d.n.Token, bad, 422, "SB-2110")
	dup := map[string]any{"extractors": []map[string]string{{"name": "a", "pattern": "x"}, {"name": "a", "pattern": "y"}}}
	wantCode(t, d.n, "PUT", "/api/v1/ticket-extractors", d.n.Token, dup, 422, "SB-2110")

	good := map[string]any{"extractors": []map[string]string{{"name": "serial", "label": "序列号", "pattern": `序列号\s*[:：]\s*(\w+)`}}}
	if st := d.n.Do("PUT", "/api/v1/ticket-extractors", d.n.Token, good, &doc); st != 200 || doc.Default || len(doc.Extractors) != 1 {
		t.Fatalf("put: %d %+v", st, doc)
	}
	m := d.post(t, "m2", "cust-2", "投影仪不亮 序列号：PX9000，订单号 SB12345678")
	st, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{m.ID}})
	if st != http.StatusCreated || tk.Fields["serial"] != "PX9000" || tk.Fields["order_no"] != "" {
		t.Fatalf("ticket fields %v (%d); want serial from the admin's extractor and no default order_no", tk.Fields, st)
	}
}

// The ticket detail lists the files of its source messages, with the link
// to fetch each.
func TestTicketDetailListsSourceAttachments(t *testing.T) {
	d := newServiceDesk(t)
	m := apptest.NewMessage("a1", "conv-cust-9", "cust-9", "路由器指示灯截图")
	m.Attachments = []map[string]any{{"name": "灯.png", "mime": "image/png", "data": "iVBORw0KGgo="}}
	if st, body := d.n.Post(d.hook, m); st != 200 {
		t.Fatalf("post: %d %s", st, body)
	}
	var p page
	apptest.WaitFor(t, 5*time.Second, "message", func() bool {
		d.n.Do("GET", "/api/v1/messages?limit=10", d.n.Token, nil, &p)
		return len(p.Items) == 2
	})
	st, tk := d.create(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{p.Items[0].ID, d.msg.ID}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	var detail struct {
		Attachments []struct {
			MessageID int64  `json:"message_id"`
			Index     int    `json:"index"`
			Name      string `json:"name"`
			Size      int64  `json:"size"`
		} `json:"attachments"`
	}
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.agentToken, nil, &detail)
	if len(detail.Attachments) != 1 || detail.Attachments[0].Name != "灯.png" || detail.Attachments[0].MessageID != p.Items[0].ID ||
		detail.Attachments[0].Size != 8 {
		t.Fatalf("attachments = %+v, want the screenshot of message %d", detail.Attachments, p.Items[0].ID)
	}
}
