package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// adminBrowser signs the built-in admin in to the console.
func adminBrowser(t *testing.T, n *apptest.Node) *browser {
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	return b
}

// settingsPost opens a settings page, fills in the form's CSRF token and posts form.
func settingsPost(t *testing.T, b *browser, page, action string, form url.Values) (int, string) {
	t.Helper()
	st, body := b.get(page)
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", page, st, body)
	}
	form.Set("csrf", csrfOf(t, body))
	return b.post(action, form)
}

// An admin finds the settings from the navigation; a routing with an
// invalid team mode comes back with the API's numbered message above the
// form, the text as typed (escaped), and nothing stored. A valid one saves.
func TestTicketSettingsRoutingRefusalShowsAPIErrorAndSavesNothing(t *testing.T) {
	n := apptest.Start(t)
	team := n.CreateOrgUnit(1, "一线支持")
	b := adminBrowser(t, n)
	_, inbox := b.get("/")
	wantIn(t, "admin's navigation", inbox, []string{`href="/tickets/settings"`, "工单设置"}, nil)
	st, body := b.get("/tickets/settings")
	wantIn(t, "overview", body, []string{"路由与分配", `href="/tickets/settings/sla-calendars"`, `href="/tickets/settings/webhooks"`,
		`href="/tickets/settings/agents"`, `href="/tickets/settings/types"`}, nil)
	if st != http.StatusOK {
		t.Fatalf("overview: %d", st)
	}
	bad := url.Values{"rules": {fmt.Sprintf(`[{"type":"","priority":"P1","category":"<b>网络</b>","team_id":%d}]`, team)},
		"teams": {fmt.Sprintf(`[{"team_id":%d,"mode":"fastest"}]`, team)}, "default_capacity": {"7"}}
	st, body = settingsPost(t, b, "/tickets/settings/routing", "/tickets/settings/routing", bad)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert">未保存：SB-2108: `) || !strings.Contains(body, "fastest") {
		t.Fatalf("invalid mode: status %d, want 422 with SB-2108 above the form: %.2000s", st, body)
	}
	wantIn(t, "refused form", body, []string{"&lt;b&gt;网络&lt;/b&gt;", `value="7"`}, []string{"<b>网络</b>"})
	var stored model.TicketRouting
	n.Do("GET", "/api/v1/ticket-routing", n.Token, nil, &stored)
	if len(stored.Rules) != 0 || len(stored.Teams) != 0 || stored.DefaultCapacity != 5 {
		t.Fatalf("a refused routing was stored: %+v", stored)
	}
	bad.Set("teams", fmt.Sprintf(`[{"team_id":%d,"mode":"round_robin"}]`, team))
	st, body = settingsPost(t, b, "/tickets/settings/routing", "/tickets/settings/routing", bad)
	if st != http.StatusOK || !strings.Contains(body, "已保存") {
		t.Fatalf("valid routing: %d %.500s", st, body)
	}
	n.Do("GET", "/api/v1/ticket-routing", n.Token, nil, &stored)
	if len(stored.Rules) != 1 || stored.Rules[0].Category != "<b>网络</b>" || stored.Teams[0].Mode != "round_robin" || stored.DefaultCapacity != 7 {
		t.Errorf("stored routing: %+v", stored)
	}
}

// A calendar with a 调休 make-up workday saves and is shown again; JSON
// that does not parse is refused like the API refuses a malformed body.
func TestTicketSettingsCalendarWithMakeUpWorkday(t *testing.T) {
	n := apptest.Start(t)
	b := adminBrowser(t, n)
	_, page := b.get("/tickets/settings/sla-calendars")
	wantIn(t, "calendar page", page, []string{"cn-business", "调休补班日", "<code>workdays</code>", `<label for="setting-json">`}, nil)
	cal := `[{"name":"cn-business","tz":"Asia/Shanghai","days":[1,2,3,4,5],
	  "hours":[{"from":"09:00","to":"12:00"},{"from":"13:30","to":"18:00"}],
	  "holidays":["2026-10-01","2026-10-02"],"workdays":["2026-10-10"]}]`
	st, body := settingsPost(t, b, "/tickets/settings/sla-calendars", "/tickets/settings/sla-calendars", url.Values{"json": {cal}})
	if st != http.StatusOK || !strings.Contains(body, "已保存") || !strings.Contains(body, "2026-10-10") {
		t.Fatalf("save calendar: %d %.800s", st, body)
	}
	var doc model.SLACalendars
	n.Do("GET", "/api/v1/sla-calendars", n.Token, nil, &doc)
	if len(doc.Calendars) != 1 || len(doc.Calendars[0].Workdays) != 1 || doc.Calendars[0].Workdays[0] != "2026-10-10" {
		t.Fatalf("stored calendars: %+v", doc)
	}
	st, body = settingsPost(t, b, "/tickets/settings/sla-calendars", "/tickets/settings/sla-calendars", url.Values{"json": {`[{"name": "x",`}})
	if st != http.StatusBadRequest || !strings.Contains(body, "SB-1003") || !strings.Contains(body, `{&#34;name&#34;: &#34;x&#34;,`) {
		t.Errorf("malformed JSON: %d, want 400 with a numbered message and the text kept: %.800s", st, body)
	}
	st, body = settingsPost(t, b, "/tickets/settings/sla-calendars", "/tickets/settings/sla-calendars",
		url.Values{"json": {`[{"name":"x","days":[1],"hours":[{"from":"09:00","to":"18:00"}],"workdays":["2026-13-40"]}]`}})
	if st < 400 || !strings.Contains(body, "2026-13-40") || !regexp.MustCompile(`role="alert">未保存：SB-\d{4}: `).MatchString(body) {
		t.Errorf("bad date: %d, want the API's refusal: %.800s", st, body)
	}
	n.Do("GET", "/api/v1/sla-calendars", n.Token, nil, &doc)
	if len(doc.Calendars) != 1 || doc.Calendars[0].Name != "cn-business" {
		t.Errorf("a refused calendar list changed the stored one: %+v", doc)
	}
}

// A non-admin gets the 403 page on every settings page and post, and each
// refusal is in the audit trail.
func TestTicketSettingsRefuseNonAdminsAndAudit(t *testing.T) {
	d := newDesk(t)
	_, inbox := d.agent.get("/")
	if strings.Contains(inbox, `href="/tickets/settings"`) {
		t.Error("an agent's navigation links the ticket settings")
	}
	csrf := csrfOf(t, inbox)
	for _, p := range []string{"/tickets/settings", "/tickets/settings/routing", "/tickets/settings/agents", "/tickets/settings/webhooks"} {
		if st, body := d.agent.get(p); st != http.StatusForbidden || !strings.Contains(body, "没有权限") {
			t.Errorf("GET %s as agent: %d, want the 403 page", p, st)
		}
	}
	st, _ := d.agent.post(fmt.Sprintf("/tickets/settings/agents/%d/capacity", d.agentID), url.Values{"csrf": {csrf}, "capacity": {"99"}})
	if st != http.StatusForbidden {
		t.Errorf("agent raises own capacity: %d, want 403", st)
	}
	var audit struct {
		Items []model.AuditEntry
	}
	d.n.Do("GET", "/api/v1/audit?limit=500", d.n.Token, nil, &audit)
	denied := map[string]bool{}
	for _, a := range audit.Items {
		if a.Action == "ticket.settings" && !a.Allowed && a.Login == "li" {
			denied[a.Resource] = true
		}
	}
	for _, p := range []string{"/tickets/settings", "/tickets/settings/webhooks", fmt.Sprintf("/tickets/settings/agents/%d/capacity", d.agentID)} {
		if !denied[p] {
			t.Errorf("refusal of %s not audited (denied: %v)", p, denied)
		}
	}
}

// The agents table shows an agent's team, availability and load; a new
// capacity is saved through the API and shown, a negative one refused.
func TestTicketSettingsAgentCapacity(t *testing.T) {
	d := newDesk(t)
	d.ticket(t, map[string]any{"type": "incident", "title": "路由器", "org_unit_id": d.unit, "assignee_id": d.agentID})
	b := adminBrowser(t, d.n)
	st, body := b.get("/tickets/settings/agents")
	row := regexp.MustCompile(fmt.Sprintf(`(?s)<tr data-agent="%d">.*?</tr>`, d.agentID)).FindString(body)
	if st != http.StatusOK || row == "" {
		t.Fatalf("agents page: %d, no row for the agent: %.1000s", st, body)
	}
	wantIn(t, "agent row", row, []string{"售后部", "暂停接单", "1 / 5", `<label for="cap-`}, nil)
	form := url.Values{"capacity": {"12"}}
	st, body = settingsPost(t, b, "/tickets/settings/agents", fmt.Sprintf("/tickets/settings/agents/%d/capacity", d.agentID), form)
	row = regexp.MustCompile(fmt.Sprintf(`(?s)<tr data-agent="%d">.*?</tr>`, d.agentID)).FindString(body)
	if st != http.StatusOK || !strings.Contains(row, "1 / 12") || !strings.Contains(body, "已保存") {
		t.Fatalf("after setting 12: %d, row %s", st, row)
	}
	form.Set("capacity", "-3")
	st, body = settingsPost(t, b, "/tickets/settings/agents", fmt.Sprintf("/tickets/settings/agents/%d/capacity", d.agentID), form)
	if st < 400 || !regexp.MustCompile(`未保存：SB-\d{4}: `).MatchString(body) || !strings.Contains(body, `value="-3"`) {
		t.Errorf("negative capacity: %d, want the API's refusal beside the row: %.1500s", st, body)
	}
	// The API has no GET for one agent's capacity: read it back on the page.
	if _, body = b.get("/tickets/settings/agents"); !strings.Contains(body, "1 / 12") {
		t.Errorf("a refused capacity changed the stored one")
	}
}

// A webhook created in the console shows its generated secret once; the
// delivery log lists what was sent, and redelivering queues it again.
func TestTicketSettingsWebhookSecretOnceAndDeliveryLog(t *testing.T) {
	var hits atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(recv.Close)
	d := newDesk(t)
	b := adminBrowser(t, d.n)
	form := url.Values{"name": {"ERP <同步>"}, "url": {recv.URL + "/hook"}, "events": {"ticket.created"}}
	st, body := settingsPost(t, b, "/tickets/settings/webhooks", "/tickets/settings/webhooks", form)
	secret := regexp.MustCompile(`<code id="hook-secret">(whsec_[0-9a-f]{64})</code>`).FindStringSubmatch(body)
	if st != http.StatusCreated || secret == nil || !strings.Contains(body, "只显示这一次") || !strings.Contains(body, "ERP &lt;同步&gt;") {
		t.Fatalf("create: %d, secret %v: %.1500s", st, secret, body)
	}
	id := regexp.MustCompile(`id="hook-created" data-hook="(\d+)"`).FindStringSubmatch(body)[1]
	st, body = settingsPost(t, b, "/tickets/settings/webhooks", "/tickets/settings/webhooks", url.Values{"name": {"坏地址"}, "url": {"ftp://example.com/x"}})
	if st != http.StatusUnprocessableEntity || !regexp.MustCompile(`role="alert">未保存：SB-\d{4}: .*ftp://example.com/x`).MatchString(body) || !strings.Contains(body, `value="坏地址"`) {
		t.Errorf("ftp URL: %d, want the API's refusal with the form kept: %.1500s", st, body)
	}
	if _, list := b.get("/tickets/settings/webhooks"); strings.Contains(list, secret[1]) || !strings.Contains(list, "ERP &lt;同步&gt;") {
		t.Error("the list shows the secret again, or not the webhook")
	}
	tk := d.ticket(t, map[string]any{"type": "incident", "title": "打印机坏了", "org_unit_id": d.unit})
	apptest.WaitFor(t, 10*time.Second, "delivery", func() bool { return hits.Load() >= 1 })
	var log string
	apptest.WaitFor(t, 10*time.Second, "delivered row", func() bool {
		_, log = b.get("/tickets/settings/webhooks/" + id)
		return strings.Contains(log, `data-state="delivered"`)
	})
	wantIn(t, "delivery log", log, []string{"ticket.created", fmt.Sprintf(`href="/tickets/%d"`, tk.ID), "已送达", `<td class="code">202</td>`,
		`<td class="attempts">1</td>`, " ms</td>", "重新投递"}, []string{secret[1]})
	did := regexp.MustCompile(`data-delivery="(\d+)"`).FindStringSubmatch(log)[1]
	st, body = b.post(fmt.Sprintf("/tickets/settings/webhooks/%s/deliveries/%s/redeliver", id, did), url.Values{"csrf": {csrfOf(t, log)}})
	if st != http.StatusOK || !strings.Contains(body, "已重新排队投递："+did) {
		t.Errorf("redeliver: %d %.500s", st, body)
	}
	apptest.WaitFor(t, 10*time.Second, "redelivery", func() bool { return hits.Load() >= 2 })
	// Deactivate, then delete.
	st, body = settingsPost(t, b, "/tickets/settings/webhooks", "/tickets/settings/webhooks/"+id+"/active", url.Values{"active": {"0"}})
	if st != http.StatusOK || !strings.Contains(html.UnescapeString(body), "已停用") {
		t.Errorf("deactivate: %d", st)
	}
	st, body = settingsPost(t, b, "/tickets/settings/webhooks", "/tickets/settings/webhooks/"+id+"/delete", url.Values{})
	if st != http.StatusOK || strings.Contains(body, `data-hook="`+id+`"`) {
		t.Errorf("delete: %d, hook still listed", st)
	}
}

// Ticket types: built-in ones are listed with no edit form; an admin adds a
// type with fields, a refused definition keeps what was typed, and a
// custom type's labels and fields are edited in place.
func TestTicketSettingsTypesAddAndEdit(t *testing.T) {
	n := apptest.Start(t)
	b := adminBrowser(t, n)
	_, page := b.get("/tickets/settings/types")
	inc := regexp.MustCompile(`(?s)<tr data-type="incident">.*?</tr>`).FindString(page)
	if !strings.Contains(inc, "内置") || strings.Contains(inc, "<form") {
		t.Fatalf("built-in incident row: %s", inc)
	}
	fields := `[{"name":"env","label_zh":"环境","label_en":"Environment","kind":"select","options":["prod","staging"],"required":true}]`
	bad := url.Values{"name": {"change"}, "label_zh": {"变更"}, "label_en": {"Change"}, "flow": {"standard"},
		"fields": {`[{"name":"env","kind":"colour"}]`}}
	st, body := settingsPost(t, b, "/tickets/settings/types", "/tickets/settings/types", bad)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "SB-2143") || !strings.Contains(body, "colour") || !strings.Contains(body, `value="变更"`) {
		t.Fatalf("bad field kind: %d, want 422 SB-2143 with the form kept: %.1500s", st, body)
	}
	bad.Set("fields", fields)
	st, body = settingsPost(t, b, "/tickets/settings/types", "/tickets/settings/types", bad)
	row := regexp.MustCompile(`(?s)<tr data-type="change">.*?</tr>`).FindString(body)
	if st != http.StatusOK || !strings.Contains(row, "自定义") || !strings.Contains(row, "<code>env</code> 环境 / Environment · select (prod, staging) · 必填") {
		t.Fatalf("added type: %d, row %s", st, row)
	}
	edit := url.Values{"label_zh": {"变更申请"}, "label_en": {"Change request"}, "flow": {"requirement"}, "fields": {"[]"}}
	st, body = settingsPost(t, b, "/tickets/settings/types", "/tickets/settings/types/change", edit)
	row = regexp.MustCompile(`(?s)<tr data-type="change">.*?</tr>`).FindString(body)
	if st != http.StatusOK || !strings.Contains(row, "变更申请 / Change request") || !strings.Contains(row, "requirement") {
		t.Errorf("edited type: %d, row %s", st, row)
	}
	st, body = settingsPost(t, b, "/tickets/settings/types", "/tickets/settings/types/change", url.Values{"label_zh": {""}, "label_en": {"X"}, "flow": {"standard"}})
	row = regexp.MustCompile(`(?s)<tr data-type="change">.*?</tr>`).FindString(body)
	if st < 400 || !strings.Contains(row, "SB-2143") || !strings.Contains(row, "<details class=\"panel\" open>") {
		t.Errorf("edit without a Chinese label: %d, want the refusal open in the type's row: %s", st, row)
	}
	st, body = settingsPost(t, b, "/tickets/settings/types", "/tickets/settings/types/incident", edit)
	if st != http.StatusConflict || !strings.Contains(body, `role="alert">未保存：SB-2144`) {
		t.Errorf("edit a built-in type: %d, want 409 SB-2144 on the page", st)
	}
}

// Weights and duplicate thresholds are plain inputs; a value the API
// refuses comes back with its message and the inputs as typed.
func TestTicketSettingsWeightsAndDuplicates(t *testing.T) {
	n := apptest.Start(t)
	b := adminBrowser(t, n)
	w := url.Values{"users_affected": {"9"}, "severity": {"3"}, "business_relevance": {"2"}, "effort": {"1"}, "strategic_fit": {"0"}}
	st, body := settingsPost(t, b, "/tickets/settings/weights", "/tickets/settings/weights", w)
	if st != http.StatusOK || !strings.Contains(body, `name="users_affected" min="0" max="10" value="9"`) {
		t.Fatalf("save weights: %d %.800s", st, body)
	}
	w.Set("severity", "11")
	st, body = settingsPost(t, b, "/tickets/settings/weights", "/tickets/settings/weights", w)
	if st < 400 || !strings.Contains(body, `role="alert">未保存：SB-`) || !strings.Contains(body, `value="11"`) {
		t.Errorf("weight 11: %d, want a refusal with the input kept: %.800s", st, body)
	}
	var doc struct{ Weights model.PriorityWeights }
	n.Do("GET", "/api/v1/priority-weights", n.Token, nil, &doc)
	if doc.Weights.UsersAffected != 9 || doc.Weights.Severity != 3 {
		t.Errorf("stored weights: %+v", doc.Weights)
	}
	dup := url.Values{"enabled": {"1"}, "suggest": {"0.6"}, "link": {"0.95"}, "window_days": {"14"}, "candidates": {"100"}, "types": {"incident", "feedback"}}
	st, body = settingsPost(t, b, "/tickets/settings/duplicates", "/tickets/settings/duplicates", dup)
	if st != http.StatusOK || !strings.Contains(body, `value="0.95"`) || !strings.Contains(body, `value="feedback" checked`) || strings.Contains(body, `value="task" checked`) {
		t.Fatalf("save duplicates: %d %.1500s", st, body)
	}
	dup.Set("link", "0.3") // below suggest
	st, body = settingsPost(t, b, "/tickets/settings/duplicates", "/tickets/settings/duplicates", dup)
	if st < 400 || !strings.Contains(body, `role="alert">未保存：SB-`) || !strings.Contains(body, `value="0.3"`) {
		t.Errorf("link below suggest: %d %.800s", st, body)
	}
	var ds model.DuplicateSettings
	n.Do("GET", "/api/v1/ticket-duplicates", n.Token, nil, &ds)
	if ds.Link != 0.95 || len(ds.Types) != 2 {
		t.Errorf("stored duplicate settings: %+v", ds)
	}
}

// Every settings page renders in English, and a form without the
// session's token is refused.
func TestTicketSettingsPagesInEnglishAndCSRF(t *testing.T) {
	n := apptest.Start(t)
	b := adminBrowser(t, n)
	b.setLang("en")
	for path, want := range map[string]string{
		"/tickets/settings": "Ticket settings", "/tickets/settings/routing": "Routing and assignment",
		"/tickets/settings/weights": "Priority weights", "/tickets/settings/sla-policies": "SLA policies",
		"/tickets/settings/sla-calendars": "Make-up workdays", "/tickets/settings/extractors": "built-in extractors",
		"/tickets/settings/duplicates": "Duplicate detection", "/tickets/settings/agents": "Agents",
		"/tickets/settings/types": "Add a type", "/tickets/settings/webhooks": "Add a webhook",
	} {
		if st, body := b.get(path); st != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, "工单设置") {
			t.Errorf("%s in English: %d, has %q %v", path, st, want, strings.Contains(body, want))
		}
	}
	if st, _ := b.post("/tickets/settings/weights", url.Values{"csrf": {"forged"}, "severity": {"1"}}); st != http.StatusForbidden {
		t.Errorf("forged token: %d, want 403", st)
	}
}
