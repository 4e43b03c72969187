package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/rules"
)

// apiError is the catalogue's error body.
type apiError struct {
	Error struct{ Code, Message string }
}

type ruleList struct {
	Items []rules.Rule `json:"items"`
}

// raw sends body as is with a content type and returns status, headers and body.
func raw(t *testing.T, n *apptest.Node, method, path, token, contentType, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, n.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := n.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// auditEntries returns the audit trail, newest first.
func auditEntries(t *testing.T, n *apptest.Node, deniedOnly bool) []model.AuditEntry {
	t.Helper()
	var a struct{ Items []model.AuditEntry }
	if st := n.Do("GET", fmt.Sprintf("/api/v1/audit?limit=500&denied=%t", deniedOnly), n.Token, nil, &a); st != 200 {
		t.Fatalf("audit: %d", st)
	}
	return a.Items
}

func hasAudit(entries []model.AuditEntry, login, action, resource string, allowed bool) bool {
	for _, e := range entries {
		if e.Login == login && e.Action == action && e.Allowed == allowed && (resource == "" || e.Resource == resource) {
			return true
		}
	}
	return false
}

func urgentRule(name string) map[string]any {
	return map[string]any{"name": name,
		"conditions": map[string]any{"keywords": map[string]any{"any": []string{"紧急", "urgent"}}},
		"actions":    map[string]any{"tags": []string{"紧急"}, "priority": "P1", "notify": "now"}}
}

func TestRuleCRUD(t *testing.T) {
	n := apptest.Start(t)
	var first, second rules.Rule
	if st := n.Do("POST", "/api/v1/rules", n.Token, urgentRule("紧急消息"), &first); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if first.ID == 0 || !first.Enabled || first.Position != 1 || first.Actions.Priority != "P1" {
		t.Errorf("created rule = %+v, want an id, enabled, position 1", first)
	}
	n.Do("POST", "/api/v1/rules", n.Token, map[string]any{"name": "审批", "enabled": false,
		"conditions": map[string]any{"keywords": map[string]any{"any": []string{"审批"}}},
		"actions":    map[string]any{"task": map[string]any{"deadline": "3d"}}}, &second)
	if second.Position != 2 || second.Enabled {
		t.Errorf("second rule = %+v, want position 2 (after the first), disabled", second)
	}

	upd := urgentRule("紧急消息 v2")
	upd["position"] = 5
	var got rules.Rule
	if st := n.Do("PUT", fmt.Sprintf("/api/v1/rules/%d", first.ID), n.Token, upd, &got); st != 200 || got.Name != "紧急消息 v2" {
		t.Fatalf("update: %d %+v", st, got)
	}
	var list ruleList
	n.Do("GET", "/api/v1/rules", n.Token, nil, &list)
	if len(list.Items) != 2 || list.Items[0].ID != second.ID || list.Items[1].Name != "紧急消息 v2" {
		t.Errorf("list after update = %+v, want 审批 (2) then 紧急消息 v2 (5)", list.Items)
	}
	if st := n.Do("DELETE", fmt.Sprintf("/api/v1/rules/%d", second.ID), n.Token, nil, nil); st != http.StatusNoContent {
		t.Errorf("delete: %d", st)
	}
	for _, c := range []struct {
		method string
		id     int64
		want   int
	}{{"GET", second.ID, 404}, {"DELETE", second.ID, 404}, {"GET", first.ID, 200}, {"PUT", 999, 404}} {
		if st := n.Do(c.method, fmt.Sprintf("/api/v1/rules/%d", c.id), n.Token, urgentRule("x"), nil); st != c.want {
			t.Errorf("%s rule %d: %d, want %d", c.method, c.id, st, c.want)
		}
	}
	audit := auditEntries(t, n, false)
	for _, c := range []struct{ action, resource string }{
		{"rule.create", fmt.Sprintf("rule:%d", first.ID)}, {"rule.update", fmt.Sprintf("rule:%d", first.ID)},
		{"rule.delete", fmt.Sprintf("rule:%d", second.ID)},
	} {
		if !hasAudit(audit, "admin", c.action, c.resource, true) {
			t.Errorf("audit lacks %s of %s by admin", c.action, c.resource)
		}
	}
}

func TestRuleValidationErrorsNameTheField(t *testing.T) {
	n := apptest.Start(t)
	cases := []struct {
		name string
		body map[string]any
		code string
		want []string
	}{
		{"invalid regex", map[string]any{"name": "r", "conditions": map[string]any{"regex": []string{"ok", "(unclosed"}},
			"actions": map[string]any{"tags": []string{"x"}}}, "SB-2006", []string{"conditions.regex[1]", "position"}},
		{"no action", map[string]any{"name": "r"}, "SB-2006", []string{"actions"}},
		{"bad priority", map[string]any{"name": "r", "actions": map[string]any{"priority": "P9"}}, "SB-2006", []string{"actions.priority"}},
		{"misspelt field", map[string]any{"name": "r", "actoins": map[string]any{}}, "SB-1003", []string{"actoins"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			if st := n.Do("POST", "/api/v1/rules", n.Token, c.body, &e); st != http.StatusBadRequest || e.Error.Code != c.code {
				t.Fatalf("status %d %+v, want 400 %s", st, e, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(e.Error.Message, w) {
					t.Errorf("message %q lacks %q", e.Error.Message, w)
				}
			}
		})
	}
	var list ruleList
	if n.Do("GET", "/api/v1/rules", n.Token, nil, &list); len(list.Items) != 0 {
		t.Errorf("refused rules were stored: %+v", list.Items)
	}
}

func TestRulesAreAdminOnly(t *testing.T) {
	n := apptest.Start(t)
	var r rules.Rule
	n.Do("POST", "/api/v1/rules", n.Token, urgentRule("紧急"), &r)
	_, member := n.CreateUser("zhang", "member", 1)
	id := fmt.Sprint(r.ID)
	cases := []struct{ method, path, action, body string }{
		{"GET", "/api/v1/rules", "rule.list", ""},
		{"POST", "/api/v1/rules", "rule.create", `{"name":"x","actions":{"tags":["x"]}}`},
		{"GET", "/api/v1/rules/" + id, "rule.read", ""},
		{"PUT", "/api/v1/rules/" + id, "rule.update", `{"name":"x","actions":{"tags":["x"]}}`},
		{"DELETE", "/api/v1/rules/" + id, "rule.delete", ""},
		{"GET", "/api/v1/rules/export", "rule.export", ""},
		{"POST", "/api/v1/rules/import", "rule.import", "rules: []"},
		{"POST", "/api/v1/rules/dry-run", "rule.dry_run", `{"rule":{"name":"x","actions":{"tags":["x"]}}}`},
	}
	for _, c := range cases {
		st, _, body := raw(t, n, c.method, c.path, member, "application/json", c.body)
		if st != http.StatusForbidden || !strings.Contains(body, "SB-3003") {
			t.Errorf("%s %s as member: %d %s, want 403 SB-3003", c.method, c.path, st, body)
		}
	}
	denied := auditEntries(t, n, true)
	for _, c := range cases {
		if !hasAudit(denied, "zhang", c.action, c.path, false) {
			t.Errorf("no denied audit entry for %s by zhang on %s", c.action, c.path)
		}
	}
	var list ruleList
	if n.Do("GET", "/api/v1/rules", n.Token, nil, &list); len(list.Items) != 1 || list.Items[0].Name != "紧急" {
		t.Errorf("a member changed the rules: %+v", list.Items)
	}
}

const importDoc = `rules:
  - name: 紧急
    conditions:
      keywords: {any: [紧急, urgent]}
      time: {weekdays: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00"}
    actions: {tags: [紧急], priority: P1, notify: now}
    stop: true
  - name: 待审批
    enabled: false
    conditions:
      regex: ['(?i)\bapprove\b']
      kinds: [text, file]
    actions:
      notify: digest
      digest_interval: 30m
      task: {title: 跟进审批, deadline: 2d}
`

func TestRuleImportIsAllOrNothing(t *testing.T) {
	n := apptest.Start(t)
	if st, _, body := raw(t, n, "POST", "/api/v1/rules/import", n.Token, "application/yaml", importDoc); st != 200 {
		t.Fatalf("import: %d %s", st, body)
	}
	var before ruleList
	n.Do("GET", "/api/v1/rules", n.Token, nil, &before)
	if len(before.Items) != 2 {
		t.Fatalf("imported %d rules, want 2", len(before.Items))
	}
	bad := strings.Replace(importDoc, `'(?i)\bapprove\b'`, `'(?i)(approve'`, 1)
	cases := []struct {
		name, doc, code string
		want            []string
	}{
		{"bad regex in the second rule", bad, "SB-2006", []string{"rules[1]", "待审批", "conditions.regex[0]", "position"}},
		{"misspelt key", "rules:\n  - name: x\n    actoins: {tags: [x]}\n", "SB-2006", []string{"line 3", "actoins"}},
		{"bad weekday", strings.Replace(importDoc, "fri]", "fry]", 1), "SB-2006", []string{"fry"}},
		{"empty body", "  \n", "SB-1007", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, body := raw(t, n, "POST", "/api/v1/rules/import", n.Token, "application/yaml", c.doc)
			if st != http.StatusBadRequest || !strings.Contains(body, c.code) {
				t.Fatalf("status %d %s, want 400 %s", st, body, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("error %s lacks %q", body, w)
				}
			}
		})
	}
	var after ruleList
	n.Do("GET", "/api/v1/rules", n.Token, nil, &after)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("refused imports changed the rules:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestRuleExportImportRoundTrip(t *testing.T) {
	n := apptest.Start(t)
	raw(t, n, "POST", "/api/v1/rules/import", n.Token, "application/yaml", importDoc)
	n.Do("POST", "/api/v1/rules", n.Token, urgentRule("third"), nil)
	st, hdr, exported := raw(t, n, "GET", "/api/v1/rules/export", n.Token, "", "")
	if st != 200 || hdr.Get("Content-Type") != "application/yaml" || !strings.Contains(exported, "digest_interval: 30m") {
		t.Fatalf("export: %d %q\n%s", st, hdr.Get("Content-Type"), exported)
	}
	var before ruleList
	n.Do("GET", "/api/v1/rules", n.Token, nil, &before)

	// Import the export elsewhere (an empty node) and back here: both end equal.
	other := apptest.Start(t)
	for _, node := range []*apptest.Node{other, n} {
		if st, _, body := raw(t, node, "POST", "/api/v1/rules/import", node.Token, "application/yaml", exported); st != 200 {
			t.Fatalf("import: %d %s", st, body)
		}
		var after ruleList
		node.Do("GET", "/api/v1/rules", node.Token, nil, &after)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("after round trip\n got %+v\nwant %+v", after, before)
		}
		if _, _, again := raw(t, node, "GET", "/api/v1/rules/export", node.Token, "", ""); !bytes.Equal([]byte(again), []byte(exported)) {
			t.Errorf("second export differs:\n%s\nfirst:\n%s", again, exported)
		}
	}
	if !hasAudit(auditEntries(t, n, false), "admin", "rule.import", "rules", true) {
		t.Error("import not audited")
	}
}
