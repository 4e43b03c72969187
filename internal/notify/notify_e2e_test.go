package notify_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// inbox is a platform endpoint that records what Switchboard sends to it.
type inbox struct {
	mu   sync.Mutex
	got  []sent
	srv  *httptest.Server
	seen map[string]int
}

type sent struct {
	ID           string `json:"id"`
	Conversation struct {
		ID string `json:"id"`
	} `json:"conversation"`
	Text string `json:"text"`
}

func newInbox(t *testing.T) *inbox {
	b := &inbox{seen: map[string]int{}}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var s sent
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Errorf("platform got %q: %v", raw, err)
		}
		b.mu.Lock()
		b.got = append(b.got, s)
		b.seen[s.ID]++
		n := len(b.got)
		b.mu.Unlock()
		fmt.Fprintf(w, `{"id":"pm-%d"}`, n)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *inbox) messages() []sent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]sent(nil), b.got...)
}

// The department head is in their quiet hours. "紧急：生产线停机" reaches
// them on their preferred channel within a second anyway; an ordinary
// message is held, survives a restart, and arrives once, in one digest.
func TestUrgentBreaksThroughQuietHoursAndTheRestWaitsForTheDigest(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "生产部")
	erp := n.CreateWebhook("ERP", dept, "")
	platform := newInbox(t)
	feishu := n.CreateWebhook("飞书通知", dept, platform.srv.URL)
	_, headToken := n.CreateUser("zhang", "dept_head", dept)

	local := time.Now().In(time.FixedZone("CST", 8*3600))
	settings := map[string]any{"chain": []map[string]any{{"channel_id": feishu.ID, "destination": "ou_zhang"}},
		"quiet_from": local.Add(-time.Hour).Format("15:04"), "quiet_to": local.Add(2 * time.Hour).Format("15:04"), "tz": "Asia/Shanghai"}
	if st := n.Do("PUT", "/api/v1/me/notify-settings", headToken, settings, nil); st != http.StatusOK {
		t.Fatalf("set notify settings: %d", st)
	}
	for _, rule := range []map[string]any{
		{"name": "紧急", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"紧急"}}},
			"actions": map[string]any{"urgent": true, "notify": "now", "tags": []string{"urgent"}}},
		{"name": "everything else", "actions": map[string]any{"notify": "digest", "digest_interval": "1m"}},
	} {
		if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
			t.Fatalf("create rule %v: %d", rule["name"], st)
		}
	}

	start := time.Now()
	if st, body := n.Post(erp, apptest.NewMessage("m1", "line-3", "李四", "紧急：生产线停机")); st != http.StatusOK {
		t.Fatalf("post urgent: %d %s", st, body)
	}
	apptest.WaitFor(t, time.Second, "the urgent notification", func() bool { return len(platform.messages()) == 1 })
	t.Logf("urgent notification arrived %s after the callback", time.Since(start))
	first := platform.messages()[0]
	if first.Conversation.ID != "ou_zhang" || !strings.Contains(first.Text, "紧急：生产线停机") || !strings.Contains(first.Text, "李四") {
		t.Fatalf("urgent notification = %+v", first)
	}

	if st, body := n.Post(erp, apptest.NewMessage("m2", "line-3", "李四", "今日产量报表已上传")); st != http.StatusOK {
		t.Fatalf("post ordinary: %d %s", st, body)
	}
	var list struct {
		Items []struct {
			State  string `json:"state"`
			Reason string `json:"reason"`
		} `json:"items"`
	}
	apptest.WaitFor(t, 2*time.Second, "the ordinary message held", func() bool {
		n.Do("GET", "/api/v1/me/notifications", headToken, nil, &list)
		return len(list.Items) == 2 && list.Items[0].State == "held"
	})
	if got := platform.messages(); len(got) != 1 {
		t.Fatalf("an ordinary message was sent during quiet hours: %+v", got)
	}

	// Restart, then let the digest's minute pass.
	n.Stop()
	n = apptest.StartConfig(t, n.App.Cfg)
	n.App.Notifier.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
	n.App.Notifier.Wake()
	apptest.WaitFor(t, 3*time.Second, "the digest", func() bool { return len(platform.messages()) == 2 })
	digest := platform.messages()[1]
	if !strings.Contains(digest.Text, "今日产量报表已上传") || !strings.Contains(digest.Text, "1 条消息") || strings.Contains(digest.Text, "生产线停机") {
		t.Errorf("digest = %q", digest.Text)
	}
	time.Sleep(1500 * time.Millisecond) // a poll or two more: nothing may be sent again
	if got := platform.messages(); len(got) != 2 {
		t.Errorf("platform got %d messages, want 2 (one urgent, one digest): %+v", len(got), got)
	}
	n.Do("GET", "/api/v1/me/notifications", headToken, nil, &list)
	if len(list.Items) != 2 || list.Items[0].State != "digested" || list.Items[1].State != "queued" {
		t.Errorf("notifications after the digest: %+v", list.Items)
	}
}

func TestNotifySettingsAreValidatedAndPrivate(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "客服部")
	ch := n.CreateWebhook("mail", dept, "http://127.0.0.1:1/")
	other := n.CreateWebhook("财务 mail", n.CreateOrgUnit(1, "财务部"), "http://127.0.0.1:1/")
	zhang, zhangToken := n.CreateUser("zhang", "agent", dept)
	_, liToken := n.CreateUser("li", "agent", dept)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for _, tc := range []struct {
		name, path, token string
		body              map[string]any
		want              int
	}{
		{"own settings", "/api/v1/me/notify-settings", zhangToken,
			map[string]any{"chain": []map[string]any{{"channel_id": ch.ID, "destination": "zhang@acme.cn"}}, "dnd": true}, http.StatusOK},
		{"half a quiet window", "/api/v1/me/notify-settings", zhangToken, map[string]any{"quiet_from": "22:00"}, http.StatusBadRequest},
		{"unknown channel", "/api/v1/me/notify-settings", zhangToken,
			map[string]any{"chain": []map[string]any{{"channel_id": 999, "destination": "x"}}}, http.StatusBadRequest},
		{"another department's channel", "/api/v1/me/notify-settings", zhangToken,
			map[string]any{"chain": []map[string]any{{"channel_id": other.ID, "destination": "x"}}}, http.StatusBadRequest},
		{"someone else's", fmt.Sprintf("/api/v1/users/%d/notify-settings", zhang), liToken, map[string]any{"dnd": false}, http.StatusForbidden},
		{"admin sets a user's", fmt.Sprintf("/api/v1/users/%d/notify-settings", zhang), n.Token,
			map[string]any{"chain": []map[string]any{{"channel_id": ch.ID, "destination": "zhang@acme.cn"}}, "dnd": true}, http.StatusOK},
	} {
		e.Error.Code = ""
		if st := n.Do("PUT", tc.path, tc.token, tc.body, &e); st != tc.want || (st >= 400 && !strings.HasPrefix(e.Error.Code, "SB-")) {
			t.Errorf("%s: status %d %+v, want %d with a catalogue code", tc.name, st, e.Error, tc.want)
		}
	}
	var got struct {
		DND   bool `json:"dnd"`
		Chain []struct {
			Destination string `json:"destination"`
		} `json:"chain"`
	}
	if st := n.Do("GET", "/api/v1/me/notify-settings", zhangToken, nil, &got); st != http.StatusOK || !got.DND || len(got.Chain) != 1 {
		t.Errorf("read back: %d %+v", st, got)
	}
	var audit struct {
		Items []struct {
			Action  string `json:"action"`
			Allowed bool   `json:"allowed"`
		} `json:"items"`
	}
	n.Do("GET", "/api/v1/audit?denied=true", n.Token, nil, &audit)
	found := false
	for _, a := range audit.Items {
		found = found || (a.Action == "notify_settings.update" && !a.Allowed)
	}
	if !found {
		t.Errorf("the denied change of someone else's settings is not in the audit log: %+v", audit.Items)
	}
}

// A rule's auto-reply answers the sender in their own conversation, once,
// even when the platform sends the message again.
func TestAutoReplyAnswersInTheConversation(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "客服部")
	platform := newInbox(t)
	app := n.CreateWebhook("App 客服", dept, platform.srv.URL)
	rule := map[string]any{"name": "进度", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"进度"}}},
		"actions": map[string]any{"auto_reply": "已收到，我们正在处理，稍后答复您。"}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("rule: %d", st)
	}
	msg := apptest.NewMessage("c-1", "customer-42", "王五", "我的订单进度怎么样了？")
	for range 2 { // the platform retries
		if st, body := n.Post(app, msg); st != http.StatusOK {
			t.Fatalf("post: %d %s", st, body)
		}
	}
	apptest.WaitFor(t, 2*time.Second, "the auto-reply", func() bool { return len(platform.messages()) == 1 })
	got := platform.messages()[0]
	if got.Conversation.ID != "customer-42" || got.Text != "已收到，我们正在处理，稍后答复您。" {
		t.Errorf("auto-reply = %+v", got)
	}
	var conv struct {
		Items []struct {
			Direction string `json:"direction"`
			Text      string `json:"text"`
		} `json:"items"`
	}
	apptest.WaitFor(t, time.Second, "the reply in the conversation", func() bool {
		n.Do("GET", "/api/v1/messages?limit=10", n.Token, nil, &conv)
		return len(conv.Items) == 2
	})
	if conv.Items[0].Direction != "out" || conv.Items[0].Text != "已收到，我们正在处理，稍后答复您。" {
		t.Errorf("conversation = %+v", conv.Items)
	}
	time.Sleep(1200 * time.Millisecond)
	if len(platform.messages()) != 1 {
		t.Errorf("platform got %d replies, want 1", len(platform.messages()))
	}
}
