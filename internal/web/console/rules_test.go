package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

const rulesDoc = `rules:
  - name: 紧急
    conditions:
      keywords: {any: [紧急, urgent]}
      kinds: [text]
    actions: {tags: [紧急], priority: P1, notify: now}
  - name: 审批跟进
    enabled: false
    conditions:
      keywords: {all: [审批]}
    actions:
      task: {title: 跟进审批, deadline: 2d}
`

// importRules replaces the node's rules through the API.
func importRules(t *testing.T, n *apptest.Node, doc string) {
	t.Helper()
	req, _ := http.NewRequest("POST", n.URL+"/api/v1/rules/import", strings.NewReader(doc))
	req.Header.Set("Authorization", "Bearer "+n.Token)
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := n.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("import rules: %d %s", resp.StatusCode, b)
	}
}

func ruleNames(t *testing.T, n *apptest.Node) []string {
	t.Helper()
	var l struct{ Items []struct{ Name string } }
	n.Do("GET", "/api/v1/rules", n.Token, nil, &l)
	var names []string
	for _, r := range l.Items {
		names = append(names, r.Name)
	}
	return names
}

func TestRulesPageListsRulesInEitherLanguage(t *testing.T) {
	n := apptest.Start(t)
	importRules(t, n, rulesDoc)
	for _, tc := range []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"以 YAML 编辑全部规则", "含任一关键词</b> 紧急, urgent", "消息类型</b> 文本", "停用",
			"创建跟进任务</b> 跟进审批 期限 48h", "立即通知", "试运行", `href="/rules"`}, []string{"Edit all rules"}},
		{"en", []string{"Edit all rules as YAML", "Any of the keywords</b> 紧急, urgent", "Message types</b> Text", "Disabled",
			"Follow-up task</b> 跟进审批 due in 48h", "Notify now", "Dry run", `href="/rules"`}, []string{"以 YAML 编辑"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, n)
			b.setLang(tc.lang)
			b.mustLogin("admin", n.AdminPW)
			st, body := b.get("/rules")
			if st != http.StatusOK {
				t.Fatalf("rules page: %d", st)
			}
			first, second := strings.Index(body, `<td class="name">紧急</td>`), strings.Index(body, `<td class="name">审批跟进</td>`)
			if first < 0 || second < first {
				t.Errorf("rules not listed in order (at %d, %d)", first, second)
			}
			if !strings.Contains(body, "name: 审批跟进") { // the YAML editor holds the current list
				t.Errorf("editor lacks the rules' YAML")
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
}

func TestRulesPageSavesYAMLAllOrNothing(t *testing.T) {
	n := apptest.Start(t)
	importRules(t, n, rulesDoc)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, page := b.get("/rules")
	csrf := csrfRE.FindStringSubmatch(page)[1]

	bad := strings.Replace(rulesDoc, "keywords: {all: [审批]}", "regex: ['审批(']", 1)
	st, body := b.post("/rules", url.Values{"csrf": {csrf}, "yaml": {bad}})
	if st != http.StatusBadRequest || !strings.Contains(body, "未保存") || !strings.Contains(body, "conditions.regex[0]") ||
		!strings.Contains(body, "regex: [&#39;审批(&#39;]") {
		t.Errorf("bad YAML: status %d; error with field path and the typed text kept expected: %.3000s", st, body)
	}
	if got := ruleNames(t, n); strings.Join(got, ",") != "紧急,审批跟进" {
		t.Errorf("refused save changed the rules to %v", got)
	}
	if st, _ := b.post("/rules", url.Values{"csrf": {"0"}, "yaml": {"rules: []"}}); st != http.StatusForbidden {
		t.Errorf("save without the form token: %d, want 403", st)
	}

	good := "rules:\n  - name: 停机\n    conditions: {keywords: {any: [停机]}}\n    actions: {tags: [停机]}\n"
	st, body = b.post("/rules", url.Values{"csrf": {csrf}, "yaml": {good}})
	if st != http.StatusOK || !strings.Contains(body, "规则已保存") || !strings.Contains(body, `<td class="name">停机</td>`) {
		t.Errorf("save: status %d, %.2000s", st, body)
	}
	if got := ruleNames(t, n); strings.Join(got, ",") != "停机" {
		t.Errorf("rules after save = %v, want [停机]", got)
	}
	h := n.CreateWebhook("ERP", 1, "")
	post(t, n, h, webhookMsg("m1", "c1", "", "李工", "二号线停机了"))
	if m := stored(t, n, "二号线停机了"); strings.Join(m.Tags, ",") != "停机" {
		t.Errorf("the saved rule did not tag the next message: %v", m.Tags)
	}
}

func TestRulesPageDryRun(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	post(t, n, h, webhookMsg("m1", "c1", "产线群", "李工", "三号线停机，紧急处理"))
	post(t, n, h, webhookMsg("m2", "c1", "产线群", "王工", "今天的周报"))
	hit := stored(t, n, "三号线停机，紧急处理")
	stored(t, n, "今天的周报")
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, page := b.get("/rules")
	csrf := csrfRE.FindStringSubmatch(page)[1]

	draft := "name: 停机\nconditions:\n  keywords: {any: [停机]}\nactions: {tags: [停机], priority: P1}\n"
	st, body := b.post("/rules/dry-run", url.Values{"csrf": {csrf}, "draft": {draft}, "limit": {"50"}})
	for _, want := range []string{"已检查消息 2 · 匹配 1", "三号线停机，紧急处理", "加标签</b> 停机", "优先级</b> P1",
		fmt.Sprintf(`href="/conversations/%d"`, hit.ConversationID), "name: 停机"} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("dry run: status %d, page lacks %q", st, want)
		}
	}
	if strings.Contains(body, "今天的周报") {
		t.Error("dry run lists a message the draft does not match")
	}
	st, body = b.post("/rules/dry-run", url.Values{"csrf": {csrf}, "draft": {"name: x\nactions: {priority: P7}\n"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "草稿有误") || !strings.Contains(body, "actions.priority") {
		t.Errorf("bad draft: status %d", st)
	}
	var m model.Message
	n.Do("GET", fmt.Sprintf("/api/v1/messages/%d", hit.ID), n.Token, nil, &m)
	if len(m.Tags) != 0 || len(ruleNames(t, n)) != 0 {
		t.Errorf("dry run changed something: tags %v, rules %v", m.Tags, ruleNames(t, n))
	}
}

func TestRulesPageIsForAdminsOnly(t *testing.T) {
	n := apptest.Start(t)
	importRules(t, n, rulesDoc)
	unit := n.CreateOrgUnit(1, "销售部")
	n.CreateUser("alice", "member", unit)
	b := newBrowser(t, n)
	b.mustLogin("alice", "password-alice")
	_, inbox := b.get("/")
	if strings.Contains(inbox, `href="/rules"`) {
		t.Error("a member's navigation links to the rules page")
	}
	st, body := b.get("/rules")
	if st != http.StatusForbidden || !strings.Contains(body, "没有权限") || strings.Contains(body, "审批跟进") {
		t.Errorf("member on the rules page: status %d", st)
	}
	csrf := csrfRE.FindStringSubmatch(inbox)[1]
	if st, _ := b.post("/rules", url.Values{"csrf": {csrf}, "yaml": {"rules: []"}}); st != http.StatusForbidden {
		t.Errorf("member saving rules: %d, want 403", st)
	}
	if got := ruleNames(t, n); len(got) != 2 {
		t.Errorf("a member changed the rules to %v", got)
	}
	var audit struct{ Items []model.AuditEntry }
	n.Do("GET", "/api/v1/audit?denied=true", n.Token, nil, &audit)
	denied := map[string]bool{}
	for _, e := range audit.Items {
		if e.Login == "alice" {
			denied[e.Action] = true
		}
	}
	if !denied["rule.list"] || !denied["rule.import"] {
		t.Errorf("denials not audited: %v", denied)
	}
}
