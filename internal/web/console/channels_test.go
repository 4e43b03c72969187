package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	simfeishu "switchboard/internal/simulator/feishu"
)

// csrfOf reads the CSRF token of a signed-in page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil || m[1] == "" {
		t.Fatalf("page has no CSRF token: %.300s", page)
	}
	return m[1]
}

// apiChannels lists the channels the admin's API token sees.
func apiChannels(n *apptest.Node) []model.Channel {
	var out struct{ Items []model.Channel }
	n.Do("GET", "/api/v1/channels", n.Token, nil, &out)
	return out.Items
}

var createdIDRE = regexp.MustCompile(`data-channel="(\d+)"`)

// createForm posts the "add channel" form and returns status, page and
// the new channel's id (0 when refused).
func createForm(t *testing.T, b *browser, form url.Values) (int, string, string) {
	t.Helper()
	_, page := b.get("/channels/new?kind=" + form.Get("kind"))
	form.Set("csrf", csrfOf(t, page))
	st, body := b.post("/channels", form)
	id := ""
	if m := createdIDRE.FindStringSubmatch(body); m != nil && st == http.StatusCreated {
		id = m[1]
	}
	return st, body, id
}

// A department's member sees that department's channels with their health,
// and nothing of another's; only admins get the add and test controls, and
// the server refuses a member's create even with a valid form token.
func TestChannelsPageIsScopedAndAdminOnlyForChanges(t *testing.T) {
	n := apptest.Start(t)
	sales, finance := n.CreateOrgUnit(1, "销售部"), n.CreateOrgUnit(1, "财务部")
	hs, hf := n.CreateWebhook("销售 ERP", sales, ""), n.CreateWebhook("财务 ERP", finance, "")
	post(t, n, hs, webhookMsg("m1", "c1", "", "李工", "你好"))
	stored(t, n, "你好")
	n.CreateUser("alice", "member", sales)

	b := newBrowser(t, n)
	b.mustLogin("alice", "password-alice")
	st, body := b.get("/channels")
	if st != http.StatusOK || !strings.Contains(body, "销售 ERP") || strings.Contains(body, "财务 ERP") {
		t.Fatalf("member's channel list: status %d, has own %v, has other %v", st, strings.Contains(body, "销售 ERP"), strings.Contains(body, "财务 ERP"))
	}
	for _, want := range []string{`href="/channels"`, "销售部", "已连接", "最近事件：", "Webhook"} {
		if !strings.Contains(body, want) {
			t.Errorf("member's list lacks %q", want)
		}
	}
	for _, not := range []string{"/channels/new", "测试连接"} {
		if strings.Contains(body, not) {
			t.Errorf("member's list offers %q", not)
		}
	}
	if st, body := b.get(fmt.Sprintf("/channels/%d", hf.ID)); st != http.StatusForbidden || !strings.Contains(body, "没有权限") {
		t.Errorf("other department's channel: status %d", st)
	}
	if st, body := b.get(fmt.Sprintf("/channels/%d", hs.ID)); st != http.StatusOK || strings.Contains(body, `id="channel-form"`) {
		t.Errorf("own channel's setup page: status %d, edit form shown %v", st, strings.Contains(body, `id="channel-form"`))
	}
	if st, _ := b.get("/channels/new?kind=webhook"); st != http.StatusForbidden {
		t.Errorf("member opens the add form: status %d, want 403", st)
	}
	csrf := csrfOf(t, body)
	before := len(apiChannels(n))
	st, body = b.post("/channels", url.Values{"csrf": {csrf}, "kind": {"webhook"}, "name": {"偷建"}, "org_unit_id": {fmt.Sprint(sales)}})
	if st != http.StatusForbidden || !strings.Contains(body, "没有权限") || len(apiChannels(n)) != before {
		t.Errorf("member's create: status %d, channels %d → %d", st, before, len(apiChannels(n)))
	}
	if st, _ := b.post(fmt.Sprintf("/channels/%d/test", hs.ID), url.Values{"csrf": {csrf}}); st != http.StatusForbidden {
		t.Errorf("member's test: status %d, want 403", st)
	}
	if st, _ := b.post(fmt.Sprintf("/channels/%d/enabled", hs.ID), url.Values{"csrf": {csrf}, "enabled": {"0"}}); st != http.StatusForbidden {
		t.Errorf("member's disable: status %d, want 403", st)
	}
}

// An admin adds a webhook channel: the setup page shows the callback URL
// and the generated secret once; the secret works, and is never shown again.
func TestAdminAddsWebhookChannelSecretShownOnce(t *testing.T) {
	n := apptest.Start(t)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	st, body, id := createForm(t, b, url.Values{"kind": {"webhook"}, "name": {"ERP 工单"}, "org_unit_id": {"1"}})
	if st != http.StatusCreated || id == "" {
		t.Fatalf("create: status %d, body %.500s", st, body)
	}
	secret := regexp.MustCompile(`whsec_[0-9a-f]{64}`).FindString(body)
	callback := fmt.Sprintf("%s/hooks/webhook/%s", n.URL, id)
	if secret == "" || !strings.Contains(body, callback) || !strings.Contains(body, "只显示这一次") {
		t.Fatalf("setup page lacks the secret (%q) or callback URL %s", secret, callback)
	}
	var h apptest.Hook
	fmt.Sscan(id, &h.ID)
	h.Secret = secret
	post(t, n, h, webhookMsg("w1", "c1", "", "系统", "来自 ERP"))
	stored(t, n, "来自 ERP")
	for _, path := range []string{"/channels/" + id, "/channels"} {
		if _, page := b.get(path); strings.Contains(page, secret) || !strings.Contains(page, "ERP 工单") {
			t.Errorf("%s shows the secret again, or not the channel", path)
		}
	}
}

// A refused Feishu channel shows the driver's own message at the top and
// beside the field it names; what was typed stays, except the secrets.
func TestAddFeishuChannelRefusalShowsDriverMessage(t *testing.T) {
	n := apptest.Start(t)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	st, body, _ := createForm(t, b, url.Values{"kind": {"feishu"}, "name": {"飞书客服"}, "org_unit_id": {"1"},
		"s.app_id": {"cli_typed"}, "s.verification_token": {"vt-typed-secret"}, "s.mode": {"callback"}})
	if st != http.StatusBadRequest {
		t.Fatalf("missing app_secret: status %d, want 400", st)
	}
	for _, want := range []string{`id="form-error"`, "未保存：SB-1007", "app_secret", `class="field-error"`, `value="cli_typed"`, "飞书客服"} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}
	field := regexp.MustCompile(`(?s)<div class="cfield invalid">.*?</div>`).FindString(body)
	if !strings.Contains(field, `name="s.app_secret"`) || !strings.Contains(field, `<p class="field-error" role="alert">app_secret</p>`) {
		t.Errorf("the error is not beside the app_secret field: %q", field)
	}
	if strings.Contains(body, "vt-typed-secret") {
		t.Errorf("the refused form renders a typed secret back")
	}
	if len(apiChannels(n)) != 0 {
		t.Errorf("a refused channel was stored")
	}
	// Unknown kinds and missing names are the API's refusals, shown the same way.
	if st, _, _ := createForm(t, b, url.Values{"kind": {"webhook"}, "name": {""}, "org_unit_id": {"1"}}); st != http.StatusBadRequest {
		t.Errorf("nameless channel: status %d, want 400", st)
	}
}

// The setup page of a Feishu channel on the simulator lists the platform
// console's settings with the exact callback URL; an edit with blank
// secrets keeps them; test connection works without the script; disabling
// shows and takes the channel down.
func TestFeishuSetupEditTestAndDisable(t *testing.T) {
	sim := httptest.NewServer(simfeishu.NewServer(simfeishu.Config{AppID: "cli_sim", AppSecret: "right-secret"}))
	defer sim.Close()
	n := apptest.Start(t)
	b := newBrowser(t, n)
	b.setLang("en")
	b.mustLogin("admin", n.AdminPW)
	st, body, id := createForm(t, b, url.Values{"kind": {"feishu"}, "name": {"Feishu support"}, "org_unit_id": {"1"},
		"s.app_id": {"cli_sim"}, "s.app_secret": {"right-secret"}, "s.verification_token": {"vt-1"},
		"s.encrypt_key": {"ek-1"}, "s.base_url": {"custom"}, "s.base_url.other": {sim.URL}, "s.mode": {"callback"}})
	if st != http.StatusCreated || id == "" {
		t.Fatalf("create: status %d, %.800s", st, body)
	}
	for _, want := range []string{"Request URL =", n.URL + "/hooks/feishu/" + id, "im.message.receive_v1", "im:message:send_as_bot",
		"Send events to developer server", "HTTP callback", "docs/channels/feishu.md"} {
		if !strings.Contains(body, want) {
			t.Errorf("setup page lacks %q", want)
		}
	}
	for _, secret := range []string{"right-secret", "vt-1", "ek-1"} {
		if strings.Contains(body, secret) {
			t.Errorf("setup page renders secret %q", secret)
		}
	}
	page := "/channels/" + id
	csrf := csrfOf(t, body)
	// An edit with the secrets left blank renames and keeps them.
	if st, body := b.post(page, url.Values{"csrf": {csrf}, "name": {"Feishu helpdesk"}, "org_unit_id": {"1"},
		"s.app_id": {"cli_sim"}, "s.base_url": {"custom"}, "s.base_url.other": {sim.URL}, "s.mode": {"callback"}}); st != http.StatusOK || !strings.Contains(body, "Channel settings saved") {
		t.Fatalf("edit: status %d, %.500s", st, body)
	}
	st, body = b.post(page+"/test", url.Values{"csrf": {csrf}})
	if st != http.StatusOK || !strings.Contains(body, "Connected: the platform accepted") || !strings.Contains(body, "Feishu helpdesk") {
		t.Fatalf("test after edit: status %d, %.1500s", st, body)
	}
	// The script's request gets the same result as JSON.
	req, _ := http.NewRequest("POST", n.URL+page+"/test", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if st, js := b.do(req); st != http.StatusOK || !strings.Contains(js, `"ok":true`) || !strings.Contains(js, `"state":"connected"`) {
		t.Errorf("JSON test: %d %s", st, js)
	}
	if st, body := b.post(page+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"0"}}); st != http.StatusOK || !strings.Contains(body, "Enable channel") {
		t.Fatalf("disable: status %d", st)
	}
	_, list := b.get("/channels")
	if !strings.Contains(list, "Disabled") || !strings.Contains(list, "h-down") {
		t.Errorf("list does not show the disabled channel as down: %.2000s", list)
	}
}

// Every kind's form and a DingTalk channel's setup steps render in both
// languages, with the driver's settings and the robot's 消息接收地址.
func TestChannelFormsAndDingTalkSetupInBothLanguages(t *testing.T) {
	n := apptest.Start(t)
	for _, tc := range []struct {
		lang              string
		fields, receiving string
	}{
		{"zh", "Client ID（AppKey）", "机器人配置 → 消息接收地址 ="},
		{"en", "Client ID (AppKey)", "Message receiving URL (消息接收地址) ="},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, n)
			b.setLang(tc.lang)
			b.mustLogin("admin", n.AdminPW)
			for kind, want := range map[string][]string{
				"webhook":  {`name="s.url"`},
				"feishu":   {`name="s.app_secret"`, `name="s.encrypt_key"`, `value="https://open.larksuite.com"`, `value="long_connection"`, `name="s.reply_in_thread"`},
				"dingtalk": {`name="s.app_key"`, `name="s.robot_code"`, `name="s.aes_key"`, `value="stream"`, `name="s.webhook_secret"`, tc.fields},
			} {
				st, body := b.get("/channels/new?kind=" + kind)
				for _, w := range want {
					if st != http.StatusOK || !strings.Contains(body, w) {
						t.Errorf("%s form: status %d, lacks %q", kind, st, w)
					}
				}
			}
			st, body, id := createForm(t, b, url.Values{"kind": {"dingtalk"}, "name": {"钉钉 " + tc.lang}, "org_unit_id": {"1"},
				"s.app_key": {"dingkey"}, "s.app_secret": {"ding-secret"}, "s.mode": {"callback"}, "s.send_as": {"text"}})
			if st != http.StatusCreated {
				t.Fatalf("create DingTalk: status %d, %.600s", st, body)
			}
			if !strings.Contains(body, tc.receiving+` <code class="copy">`+n.URL+"/hooks/dingtalk/"+id+"</code>") ||
				!strings.Contains(body, "dingkey") || strings.Contains(body, "ding-secret") {
				t.Errorf("DingTalk setup page lacks %q with the callback URL, or shows the secret", tc.receiving)
			}
		})
	}
}

// The long-connection modes are offered before every driver takes them:
// until it does, the driver's own refusal stands beside the mode field;
// once it does, the setup page leads to the platform's long-connection
// setting instead of a request URL.
func TestLongConnectionModesRefusedBesideTheFieldOrSetUp(t *testing.T) {
	feishuSim := httptest.NewServer(simfeishu.NewServer(simfeishu.Config{AppID: "cli_lc", AppSecret: "s"}))
	defer feishuSim.Close()
	n := apptest.Start(t)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	for _, tc := range []struct {
		kind, mode, longStep, urlStep string
		form                          url.Values
	}{
		{"feishu", "long_connection", "使用长连接接收事件", "请求地址 =", url.Values{"s.app_id": {"cli_lc"}, "s.app_secret": {"s"},
			"s.verification_token": {"v"}, "s.base_url": {"custom"}, "s.base_url.other": {feishuSim.URL}}},
		{"dingtalk", "stream", "Stream模式", "消息接收地址 =", url.Values{"s.app_key": {"dinglc"}, "s.app_secret": {"s"},
			"s.base_url": {feishuSim.URL}, "s.oapi_base_url": {feishuSim.URL}}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			form := tc.form
			form.Set("kind", tc.kind)
			form.Set("name", tc.kind+" "+tc.mode)
			form.Set("org_unit_id", "1")
			form.Set("s.mode", tc.mode)
			st, body, _ := createForm(t, b, form)
			field := regexp.MustCompile(`(?s)<div class="cfield invalid">.*?</div>`).FindString(body)
			switch st {
			case http.StatusBadRequest:
				if !strings.Contains(field, `name="s.mode"`) || !strings.Contains(field, `class="field-error"`) || !strings.Contains(body, `id="form-error"`) {
					t.Errorf("refused %s mode: the driver's message is not beside the mode field: %q", tc.mode, field)
				}
			case http.StatusCreated:
				if !strings.Contains(body, tc.longStep) || strings.Contains(body, tc.urlStep) {
					t.Errorf("%s channel's setup steps lack %q or still ask for %q", tc.mode, tc.longStep, tc.urlStep)
				}
			default:
				t.Fatalf("%s mode: status %d, %.500s", tc.mode, st, body)
			}
		})
	}
}
