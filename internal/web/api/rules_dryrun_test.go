package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/rules"
)

type dryRunReport struct {
	Scanned int `json:"scanned"`
	Items   []struct {
		MessageID int64         `json:"message_id"`
		Excerpt   string        `json:"excerpt"`
		Matches   []rules.Match `json:"matches"`
		Outcome   rules.Outcome `json:"outcome"`
	} `json:"items"`
}

// ingest posts a signed webhook message and waits until it is listed.
func ingest(t *testing.T, n *apptest.Node, h apptest.Hook, id, text string) model.Message {
	t.Helper()
	if st, body := n.Post(h, apptest.NewMessage(id, "conv-"+id, "li", text)); st != http.StatusOK {
		t.Fatalf("webhook post: %d %s", st, body)
	}
	var found model.Message
	apptest.WaitFor(t, 5*time.Second, "message "+id, func() bool {
		var p page
		n.Do("GET", "/api/v1/messages?limit=500", n.Token, nil, &p)
		for _, m := range p.Items {
			if m.ExternalID == id {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

const draftYAML = `name: 停机
conditions:
  keywords: {any: [停机, outage]}
actions: {tags: [停机], priority: P1, notify: now}
`

func TestDryRunShowsMatchesWithoutChangingAnything(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	hit := ingest(t, n, h, "m1", "紧急：三号生产线停机，请立即处理")
	ingest(t, n, h, "m2", "周报已上传")
	newest := ingest(t, n, h, "m3", "Outage in line 2")

	draftJSON := map[string]any{"name": "停机", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"停机", "outage"}}},
		"actions": map[string]any{"tags": []string{"停机"}, "priority": "P1", "notify": "now"}}
	cases := []struct {
		name, contentType, path, body string
		scanned                       int
		want                          []int64
	}{
		{"yaml draft", "application/yaml", "/api/v1/rules/dry-run", draftYAML, 3, []int64{newest.ID, hit.ID}},
		{"yaml limit 1", "application/yaml", "/api/v1/rules/dry-run?limit=1", draftYAML, 1, []int64{newest.ID}},
		{"json rule", "application/json", "/api/v1/rules/dry-run", mustJSON(t, map[string]any{"rule": draftJSON, "limit": 2}), 2, []int64{newest.ID}},
		{"json list", "application/json", "/api/v1/rules/dry-run", mustJSON(t, map[string]any{"rules": []any{draftJSON}}), 3, []int64{newest.ID, hit.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, body := raw(t, n, "POST", c.path, n.Token, c.contentType, c.body)
			var rep dryRunReport
			if err := json.Unmarshal([]byte(body), &rep); err != nil || st != 200 {
				t.Fatalf("dry run: %d %s", st, body)
			}
			var ids []int64
			for _, it := range rep.Items {
				ids = append(ids, it.MessageID)
				if !slices.Equal(it.Outcome.Tags, []string{"停机"}) || it.Outcome.Priority != "P1" || it.Outcome.Notify != "now" ||
					len(it.Matches) != 1 || it.Matches[0].Name != "停机" {
					t.Errorf("message %d: outcome %+v, matches %+v", it.MessageID, it.Outcome, it.Matches)
				}
			}
			if rep.Scanned != c.scanned || !slices.Equal(ids, c.want) {
				t.Errorf("scanned %d, matched %v; want %d, %v", rep.Scanned, ids, c.scanned, c.want)
			}
			if len(rep.Items) > 1 && rep.Items[1].Excerpt != hit.Text {
				t.Errorf("excerpt %q, want %q", rep.Items[1].Excerpt, hit.Text)
			}
		})
	}
	var after model.Message
	n.Do("GET", fmt.Sprintf("/api/v1/messages/%d", hit.ID), n.Token, nil, &after)
	var list ruleList
	n.Do("GET", "/api/v1/rules", n.Token, nil, &list)
	if len(after.Tags) != 0 || len(list.Items) != 0 {
		t.Errorf("dry run changed something: message tags %v, rules %+v", after.Tags, list.Items)
	}
}

func TestDryRunRefusesBadDrafts(t *testing.T) {
	n := apptest.Start(t)
	cases := []struct {
		name, contentType, path, body, code, want string
	}{
		{"bad regex", "application/yaml", "/api/v1/rules/dry-run", "name: r\nconditions: {regex: ['a(']}\nactions: {tags: [x]}\n", "SB-2006", "conditions.regex[0]"},
		{"no draft", "application/json", "/api/v1/rules/dry-run", `{"limit": 5}`, "SB-1007", "draft"},
		{"limit too big", "application/json", "/api/v1/rules/dry-run", `{"rule": {"name": "r", "actions": {"tags": ["x"]}}, "limit": 5000}`, "SB-2002", "1..1000"},
		{"limit not a number", "application/yaml", "/api/v1/rules/dry-run?limit=many", draftYAML, "SB-2002", "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, body := raw(t, n, "POST", c.path, n.Token, c.contentType, c.body)
			if st != http.StatusBadRequest || !strings.Contains(body, c.code) || !strings.Contains(body, c.want) {
				t.Errorf("status %d %s, want 400 %s mentioning %q", st, body, c.code, c.want)
			}
		})
	}
}

// TestRuleChangesApplyToTheNextMessage proves the API reloads the node's
// rules at once: every change is in effect for the very next webhook.
func TestRuleChangesApplyToTheNextMessage(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	if m := ingest(t, n, h, "before", "紧急：停机"); len(m.Tags) != 0 {
		t.Fatalf("tagged %v before any rule exists", m.Tags)
	}
	var r rules.Rule
	if st := n.Do("POST", "/api/v1/rules", n.Token, urgentRule("紧急"), &r); st != http.StatusCreated {
		t.Fatalf("create rule: %d", st)
	}
	disabled := urgentRule("紧急")
	disabled["enabled"] = false
	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"created", func() {}, []string{"紧急"}},
		{"disabled", func() { n.Do("PUT", fmt.Sprintf("/api/v1/rules/%d", r.ID), n.Token, disabled, nil) }, nil},
		{"imported", func() {
			raw(t, n, "POST", "/api/v1/rules/import", n.Token, "application/yaml", "rules:\n  - name: x\n    conditions: {keywords: {any: [停机]}}\n    actions: {tags: [停机]}\n")
		}, []string{"停机"}},
		{"deleted", func() {
			var l ruleList
			n.Do("GET", "/api/v1/rules", n.Token, nil, &l)
			n.Do("DELETE", fmt.Sprintf("/api/v1/rules/%d", l.Items[0].ID), n.Token, nil, nil)
		}, nil},
	}
	for i, s := range steps {
		s.change()
		m := ingest(t, n, h, fmt.Sprintf("after-%d", i), "紧急：停机")
		if !slices.Equal(m.Tags, s.want) {
			t.Errorf("after the rule was %s: tags %v, want %v", s.name, m.Tags, s.want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
