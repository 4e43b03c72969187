package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

// TestInboxShowsRuleBadgesAndFiltersByPriority: the priority, category and
// confidential mark a rule gave a message show as badges in the inbox and
// the conversation, and the inbox's priority filter keeps only those.
func TestInboxShowsRuleBadgesAndFiltersByPriority(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	rule := map[string]any{"name": "停机",
		"conditions": map[string]any{"keywords": map[string]any{"any": []string{"停机"}}},
		"actions":    map[string]any{"priority": "P1", "category": "生产故障", "confidential": true}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("create rule: %d", st)
	}
	post(t, n, h, webhookMsg("m-1", "c-1", "产线", "王", "三号线停机"))
	post(t, n, h, webhookMsg("m-2", "c-1", "产线", "王", "午饭吃什么"))
	m := stored(t, n, "三号线停机")
	stored(t, n, "午饭吃什么")
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	badges := []string{`class="badge prio prio-P1"`, ">生产故障<", ">机密<"}
	for _, path := range []string{"/", fmt.Sprintf("/conversations/%d", m.ConversationID)} {
		st, body := b.get(path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		for _, s := range badges {
			if strings.Count(body, s) != 1 {
				t.Errorf("%s shows %q %d times, want once", path, s, strings.Count(body, s))
			}
		}
	}
	_, body := b.get("/?priority=P1")
	if !strings.Contains(body, "三号线停机") || strings.Contains(body, "午饭吃什么") {
		t.Errorf("priority filter: %.2000s", body)
	}
	if st, _ := b.get("/?priority=P7"); st != http.StatusBadRequest {
		t.Errorf("bad priority: %d", st)
	}
}
