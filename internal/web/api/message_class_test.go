package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// TestRuleClassIsStoredFilterableAndConfidentialHidden: a rule's category,
// priority, retention class and "mark confidential" are on the message the
// API returns and can be filtered by; members of the department do not see
// the confidential message anywhere, its department head does.
func TestRuleClassIsStoredFilterableAndConfidentialHidden(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "财务部 Finance")
	h := n.CreateWebhook("ERP", dept, "")
	_, member := n.CreateUser("li", "member", dept)
	_, head := n.CreateUser("zhao", "dept_head", dept)
	rule := map[string]any{"name": "工资",
		"conditions": map[string]any{"keywords": map[string]any{"any": []string{"工资", "payroll"}}},
		"actions": map[string]any{"category": "finance", "priority": "P2", "retention_class": "finance-3y",
			"confidential": true}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("create rule: %d", st)
	}
	secret := ingest(t, n, h, "s1", "三月工资表已发出")
	plain := ingest(t, n, h, "p1", "周五团建")
	if secret.Category != "finance" || secret.Priority != "P2" || secret.RetentionClass != "finance-3y" || !secret.Confidential {
		t.Fatalf("classified message = %+v", secret)
	}
	if plain.Category != "" || plain.Priority != "" || plain.Confidential {
		t.Fatalf("ordinary message classified: %+v", plain)
	}
	for _, c := range []struct {
		token, query string
		want         []int64
	}{
		{n.Token, "priority=P2", []int64{secret.ID}},
		{n.Token, "category=finance", []int64{secret.ID}},
		{n.Token, "confidential=true", []int64{secret.ID}},
		{n.Token, "confidential=false", []int64{plain.ID}},
		{member, "", []int64{plain.ID}},
		{member, "q=工资", nil},
		{member, "priority=P2", nil},
		{head, "", []int64{plain.ID, secret.ID}}, // newest first
	} {
		var p page
		if st := n.Do("GET", "/api/v1/messages?"+c.query, c.token, nil, &p); st != http.StatusOK {
			t.Fatalf("list %q: %d", c.query, st)
		}
		var got []int64
		for _, m := range p.Items {
			got = append(got, m.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("list %q: got %v, want %v", c.query, got, c.want)
		}
	}
	st, _, body := raw(t, n, "GET", fmt.Sprintf("/api/v1/messages/%d", secret.ID), member, "", "")
	if st != http.StatusForbidden || !strings.Contains(body, "confidential") {
		t.Errorf("member reads the confidential message: %d %s", st, body)
	}
	if st := n.Do("GET", fmt.Sprintf("/api/v1/messages/%d", secret.ID), head, nil, nil); st != http.StatusOK {
		t.Errorf("department head reads the confidential message: %d", st)
	}
	for _, q := range []string{"priority=P9", "confidential=maybe"} {
		if st, _, body := raw(t, n, "GET", "/api/v1/messages?"+q, n.Token, "", ""); st != http.StatusBadRequest || !strings.Contains(body, "SB-2004") {
			t.Errorf("%s: %d %s", q, st, body)
		}
	}
}

// TestLiveEventsSkipConfidential: a member's live stream leaves out a
// confidential message of their own department, and a reconnect's replay
// does not bring it back.
func TestLiveEventsSkipConfidential(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "A")
	h := n.CreateWebhook("A", dept, "")
	_, tok := n.CreateUser("zhao", "member", dept)
	rule := map[string]any{"name": "机密", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"机密"}}},
		"actions": map[string]any{"confidential": true}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("create rule: %d", st)
	}
	first := ingest(t, n, h, "a0", "开始")
	for _, from := range []string{"", fmt.Sprint(first.ID)} { // live, then a replay after a0
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/api/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if from != "" {
			req.Header.Set("Last-Event-ID", from)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Scan() // ": connected" — subscribed before we post
		if from == "" {
			n.Post(h, apptest.NewMessage("a1", "c", "s", "机密：并购计划"))
			n.Post(h, apptest.NewMessage("a2", "c", "s", "午饭"))
		}
		for sc.Scan() {
			if strings.Contains(sc.Text(), "并购计划") {
				t.Fatalf("member received the confidential message over SSE (Last-Event-ID %q)", from)
			}
			if strings.Contains(sc.Text(), "午饭") {
				break
			}
		}
		resp.Body.Close()
		cancel()
	}
}
