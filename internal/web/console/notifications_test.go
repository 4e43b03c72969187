package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// platform is a channel's receiving end that answers every send with status.
func platform(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"id":"pm-1"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// notifyList is the part of GET /api/v1/me/notifications the tests wait on.
type notifyList struct {
	Items []struct {
		State      string `json:"state"`
		Deliveries []struct {
			State string `json:"state"`
		} `json:"deliveries"`
	} `json:"items"`
}

// putSettings sets a user's notification settings through the API.
func putSettings(t *testing.T, n *apptest.Node, token string, s map[string]any) {
	t.Helper()
	if st := n.Do("PUT", "/api/v1/me/notify-settings", token, s, nil); st != http.StatusOK {
		t.Fatalf("set notify settings: %d", st)
	}
}

// startWithNotifications gives department head zhang two notifications:
// "紧急：生产线停机" was refused by his preferred channel and delivered by
// the fallback; "今日产量报表已上传" is held for the hourly digest.
func startWithNotifications(t *testing.T) (*apptest.Node, model.Message) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "生产部")
	erp := n.CreateWebhook("ERP", dept, "")
	mail := n.CreateWebhook("邮件通知", dept, platform(t, http.StatusBadRequest))
	feishu := n.CreateWebhook("飞书通知", dept, platform(t, http.StatusOK))
	_, token := n.CreateUser("zhang", "dept_head", dept)
	putSettings(t, n, token, map[string]any{"chain": []map[string]any{
		{"channel_id": mail.ID, "destination": "zhang@acme.cn"}, {"channel_id": feishu.ID, "destination": "ou_zhang"}}})
	for _, rule := range []map[string]any{
		{"name": "紧急", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"紧急"}}},
			"actions": map[string]any{"urgent": true, "notify": "now"}},
		{"name": "其余", "conditions": map[string]any{"keywords": map[string]any{"none": []string{"紧急"}}},
			"actions": map[string]any{"notify": "digest", "digest_interval": "1h"}},
	} {
		if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
			t.Fatalf("create rule %v: %d", rule["name"], st)
		}
	}
	post(t, n, erp, apptest.NewMessage("m1", "line-3", "李四", "紧急：生产线停机"))
	urgent := stored(t, n, "紧急：生产线停机")
	apptest.WaitFor(t, 5*time.Second, "the urgent notification delivered by the fallback", func() bool {
		var l notifyList
		n.Do("GET", "/api/v1/me/notifications", token, nil, &l)
		return len(l.Items) == 1 && len(l.Items[0].Deliveries) == 2 && l.Items[0].Deliveries[1].State == "sent"
	})
	post(t, n, erp, apptest.NewMessage("m2", "line-3", "王五", "今日产量报表已上传"))
	apptest.WaitFor(t, 5*time.Second, "the ordinary notification held", func() bool {
		var l notifyList
		n.Do("GET", "/api/v1/me/notifications", token, nil, &l)
		return len(l.Items) == 2 && l.Items[0].State == "held"
	})
	return n, urgent
}

// The page shows both of zhang's notifications, newest first, with the
// state, the reason and the path each took, in either language.
func TestNotificationsPageShowsStateAndDeliveryPath(t *testing.T) {
	n, urgent := startWithNotifications(t)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"等待中", "等待摘要，间隔 1h", "预计发送", "届时发送至", "立即发送", "紧急消息，立即发送",
			"已放弃", "备用渠道", "已送达", "尝试次数 1", `href="/notifications"`}},
		{"en", []string{"Held", "Waiting for the digest, every 1h", "Due to go out", "Will go to", "Sent at once",
			"Urgent: sent at once", "Gave up", "Fallback", "Delivered", "attempts 1", "Notifications"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b := newBrowser(t, n)
			b.setLang(tc.lang)
			b.mustLogin("zhang", "password-zhang")
			st, body := b.get("/notifications")
			if st != http.StatusOK {
				t.Fatalf("notifications page: %d", st)
			}
			common := []string{"李四", "紧急：生产线停机", "王五", "今日产量报表已上传", "webhook answered 400",
				fmt.Sprintf(`href="/conversations/%d"`, urgent.ConversationID),
				`<span class="chan">邮件通知</span> → <span class="dest">zhang@acme.cn</span>`,
				`<span class="chan">飞书通知</span> → <span class="dest">ou_zhang</span>`}
			for _, s := range append(common, tc.want...) {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			if held, sent := strings.Index(body, "今日产量报表已上传"), strings.Index(body, "紧急：生产线停机"); held > sent {
				t.Error("notifications are not listed newest first")
			}
			if dead, fallback := strings.Index(body, "zhang@acme.cn</span>"), strings.Index(body, "ou_zhang</span>\n      <span class=\"dstate\""); dead < 0 || fallback < dead {
				t.Errorf("the fallback is not shown after the refused first hop (at %d, %d)", dead, fallback)
			}
		})
	}
}

func TestNotificationsPageIsEmptyForANewUser(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "客服部")
	n.CreateWebhook("企业微信", dept, "")
	n.CreateWebhook("别的部门", n.CreateOrgUnit(1, "财务部"), "")
	n.CreateUser("alice", "agent", dept)
	b := newBrowser(t, n)
	b.mustLogin("alice", "password-alice")
	_, inbox := b.get("/")
	if !strings.Contains(inbox, `<a href="/notifications">通知</a>`) {
		t.Error("a member's navigation lacks the notifications link")
	}
	st, body := b.get("/notifications")
	for _, want := range []string{"还没有通知", "通知设置", `value="Asia/Shanghai"`, ">企业微信</option>", "首选渠道", "备用渠道 2"} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("status %d; page lacks %q", st, want)
		}
	}
	if strings.Contains(body, "别的部门") {
		t.Error("the form offers a channel outside the user's departments")
	}
	if rows := strings.Count(body, `name="hop_channel"`); rows < 3 {
		t.Errorf("%d chain rows, want at least 3", rows)
	}
}

// settingsForm is a filled-in settings form with the page's token.
func settingsForm(csrf string, channel int64, dest, from, to string) url.Values {
	return url.Values{"csrf": {csrf}, "hop_channel": {fmt.Sprint(channel), "", ""}, "hop_dest": {dest, "", ""},
		"quiet_from": {from}, "quiet_to": {to}, "tz": {"Asia/Shanghai"}, "dnd": {"1"}, "digest_every": {"30m"},
		"highlights": {"紧急，停机\nOutage"}}
}

// storedSettings is what GET /api/v1/me/notify-settings says.
type storedSettings struct {
	Chain []struct {
		ChannelID   int64  `json:"channel_id"`
		Destination string `json:"destination"`
	} `json:"chain"`
	QuietFrom   string   `json:"quiet_from"`
	QuietTo     string   `json:"quiet_to"`
	DND         bool     `json:"dnd"`
	DigestEvery string   `json:"digest_every"`
	Highlights  []string `json:"highlights"`
}

func mySettings(n *apptest.Node, token string) storedSettings {
	var s storedSettings
	n.Do("GET", "/api/v1/me/notify-settings", token, nil, &s)
	return s
}

func TestNotificationSettingsFormSavesAndRefusesWithValuesKept(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "客服部")
	ch := n.CreateWebhook("企业微信", dept, "")
	_, token := n.CreateUser("alice", "agent", dept)
	b := newBrowser(t, n)
	b.mustLogin("alice", "password-alice")
	_, page := b.get("/notifications")
	csrf := csrfRE.FindStringSubmatch(page)[1]

	st, body := b.post("/notifications/settings", settingsForm(csrf, ch.ID, "ou_alice", "22:00", "07:30"))
	if st != http.StatusOK || !strings.Contains(body, "通知设置已保存") || !strings.Contains(body, `value="ou_alice"`) ||
		!strings.Contains(body, `<option value="30m" selected>`) || !strings.Contains(body, "紧急\n停机\nOutage</textarea>") {
		t.Errorf("save: status %d, the saved settings are not shown: %.3000s", st, body)
	}
	got := mySettings(n, token)
	if len(got.Chain) != 1 || got.Chain[0].ChannelID != ch.ID || got.Chain[0].Destination != "ou_alice" || got.QuietFrom != "22:00" ||
		got.QuietTo != "07:30" || !got.DND || got.DigestEvery != "30m" || strings.Join(got.Highlights, ",") != "紧急,停机,Outage" {
		t.Errorf("stored settings = %+v", got)
	}
	refusals(t, b, csrf, ch.ID)
	if got := mySettings(n, token); got.QuietFrom != "22:00" || got.Chain[0].Destination != "ou_alice" {
		t.Errorf("a refused form changed the settings to %+v", got)
	}
	if st, _ := b.post("/notifications/settings", settingsForm("0", ch.ID, "ou_x", "", "")); st != http.StatusForbidden {
		t.Errorf("save without the form token: %d, want 403", st)
	}
}

// refusals posts invalid forms: each comes back as typed, with the reason.
func refusals(t *testing.T, b *browser, csrf string, channel int64) {
	t.Helper()
	for _, tc := range []struct {
		name, from, to, dest, why string
	}{
		{"half a quiet window", "23:00", "", "ou_new", "set both or neither"},
		{"not a time", "25:00", "07:00", "ou_new", "is not HH:MM"},
		{"channel without destination", "23:00", "07:00", "", "chain[0]"},
	} {
		st, body := b.post("/notifications/settings", settingsForm(csrf, channel, tc.dest, tc.from, tc.to))
		for _, want := range []string{"未保存", tc.why, fmt.Sprintf(`name="quiet_from" value="%s"`, tc.from),
			fmt.Sprintf(`name="hop_dest" value="%s"`, tc.dest), fmt.Sprintf(`<option value="%d" selected>`, channel),
			"紧急，停机\nOutage</textarea>"} {
			if st != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("%s: status %d; the refusal lacks %q", tc.name, st, want)
			}
		}
	}
}

func TestInboxHighlightsKeywordsInEscapedText(t *testing.T) {
	n := apptest.Start(t)
	putSettings(t, n, n.Token, map[string]any{"highlights": []string{"停机", "urgent"}})
	h := n.CreateWebhook("ERP", 1, "")
	text := "二号线停机了 <script>alert(1)</script> URGENT"
	post(t, n, h, webhookMsg("m1", "c1", "产线群", "李工", text))
	post(t, n, h, webhookMsg("m2", "c1", "产线群", "王工", "今天的周报"))
	stored(t, n, text)
	stored(t, n, "今天的周报")
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, body := b.get("/")
	want := `<span class="text">二号线<mark>停机</mark>了 &lt;script&gt;alert(1)&lt;/script&gt; <mark>URGENT</mark></span>`
	if !strings.Contains(body, want) {
		t.Errorf("inbox lacks %s", want)
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("message text reached the page as HTML")
	}
	if !strings.Contains(body, `<span class="text">今天的周报</span>`) {
		t.Error("a message without keywords is not shown plainly")
	}
	if !strings.Contains(body, `"highlights":["停机","urgent"]`) {
		t.Error("the page does not give the script the keywords for live rows")
	}
}
