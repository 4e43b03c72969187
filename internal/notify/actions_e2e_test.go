package notify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// A rule's "create a follow-up task" turns a message saying 需跟进 into a
// task ticket due at the message's time plus the rule's deadline, with the
// message as its source and the sender as requester — once, however often
// the platform sends the message.
func TestFollowUpRuleCreatesOneTaskWithItsDeadline(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "销售部")
	app := n.CreateWebhook("CRM", dept, "")
	rule := map[string]any{"name": "需跟进", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"需跟进", "follow up"}}},
		"actions": map[string]any{"task": map[string]any{"title": "跟进客户", "deadline": "2d"}}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("rule: %d", st)
	}
	sent := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	message := func(id, conv, sender, text string) map[string]any {
		return map[string]any{"id": id, "conversation": map[string]string{"id": conv}, "sender": map[string]string{"id": sender, "name": sender},
			"text": text, "sent_at": sent}
	}
	msg := message("m-1", "deal-7", "赵六", "报价单已发，客户下周回复，需跟进")
	for _, m := range []map[string]any{msg, msg, message("m-2", "deal-8", "钱七", "合同已签")} {
		if st, body := n.Post(app, m); st != http.StatusOK {
			t.Fatalf("post: %d %s", st, body)
		}
	}
	type task struct {
		Type      string    `json:"type"`
		Title     string    `json:"title"`
		Status    string    `json:"status"`
		OrgUnitID int64     `json:"org_unit_id"`
		DueAt     time.Time `json:"due_at"`
		Requester struct {
			Name string `json:"name"`
		} `json:"requester"`
	}
	var list struct {
		Items []task `json:"items"`
	}
	apptest.WaitFor(t, 3*time.Second, "the follow-up task", func() bool {
		n.Do("GET", "/api/v1/tickets?type=task", n.Token, nil, &list)
		return len(list.Items) > 0
	})
	time.Sleep(1200 * time.Millisecond) // the repeated message and a second resolve round
	n.Do("GET", "/api/v1/tickets", n.Token, nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d tickets, want 1: %+v", len(list.Items), list.Items)
	}
	got := list.Items[0]
	if got.Type != "task" || got.Title != "跟进客户：报价单已发，客户下周回复，需跟进" || got.Status != "accepted" ||
		got.OrgUnitID != dept || !got.DueAt.Equal(sent.Add(48*time.Hour)) || got.Requester.Name != "赵六" {
		t.Errorf("task = %+v; want 跟进客户 due %s from 赵六", got, sent.Add(48*time.Hour))
	}
}

// A confidential message's notification leaves Switchboard for a chat
// platform, where the console's permission check cannot follow: it says
// where to look, not what was written.
func TestConfidentialNotificationCarriesNoText(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "人事部")
	hr := n.CreateWebhook("HR", dept, "")
	platform := newInbox(t)
	feishu := n.CreateWebhook("飞书通知", dept, platform.srv.URL)
	_, headToken := n.CreateUser("hr-head", "dept_head", dept)
	settings := map[string]any{"chain": []map[string]any{{"channel_id": feishu.ID, "destination": "ou_head"}}}
	if st := n.Do("PUT", "/api/v1/me/notify-settings", headToken, settings, nil); st != http.StatusOK {
		t.Fatalf("settings: %d", st)
	}
	rule := map[string]any{"name": "薪资", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"薪资"}}},
		"actions": map[string]any{"confidential": true, "notify": "now"}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("rule: %d", st)
	}
	if st, body := n.Post(hr, apptest.NewMessage("s1", "hr-1", "孙八", "三月薪资调整名单：张三 +10%")); st != http.StatusOK {
		t.Fatalf("post: %d %s", st, body)
	}
	apptest.WaitFor(t, 2*time.Second, "the notification", func() bool { return len(platform.messages()) == 1 })
	got := platform.messages()[0].Text
	if strings.Contains(got, "薪资调整") || strings.Contains(got, "张三") || !strings.Contains(got, "机密") || !strings.Contains(got, "/conversations/") {
		t.Errorf("notification = %q; want the confidential placeholder and a console link", got)
	}
}
