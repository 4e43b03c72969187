package feishu_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	simfeishu "switchboard/internal/simulator/feishu"
)

// TestFeishuReadReceiptsShowOnTheDelivery: an agent's reply reaches
// Feishu; when the customer reads it Feishu pushes
// im.message.message_read_v1 and the reply's delivery record shows who
// read it and when — once, however often the event is pushed; receipts for
// messages Switchboard did not send change nothing.
func TestFeishuReadReceiptsShowOnTheDelivery(t *testing.T) {
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_e2e", AppSecret: "app-secret-1"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	n := apptest.Start(t)
	ch := createChannel(t, n, platform.URL)
	ctx := context.Background()
	cb := &simfeishu.Callbacks{URL: fmt.Sprintf("%s/hooks/feishu/%d", n.URL, ch.ID), AppID: "cli_e2e",
		VerificationToken: "vtoken-1", EncryptKey: "encrypt-key-1", Server: sim}
	// The admin is notified of 报警 on this Feishu app, too.
	rule := map[string]any{"name": "报警", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"报警"}}},
		"actions": map[string]any{"urgent": true, "route_to": map[string]any{"role": "admin"}}}
	settings := map[string]any{"chain": []map[string]any{{"channel_id": ch.ID, "destination": "ou_admin"}}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("rule: %d", st)
	}
	if st := n.Do("PUT", "/api/v1/me/notify-settings", n.Token, settings, nil); st != http.StatusOK {
		t.Fatalf("settings: %d", st)
	}
	if a, err := cb.Post(ctx, cb.MessageReceived(simfeishu.Message{MessageID: "om_in_1", ChatID: "oc_line3", ChatType: "group",
		Sender: simfeishu.UserID{OpenID: "ou_li4"}, Text: "设备报警"})); err != nil || a.Status != http.StatusOK {
		t.Fatalf("inbound: %v %+v", err, a)
	}
	apptest.WaitFor(t, 2*time.Second, "the message", func() bool { return len(messages(n, "")) == 1 })
	replies := &replier{t: t, n: n, sim: sim, conv: messages(n, "")[0].ConversationID}
	sent := replies.send("已收到，工程师马上到", 1)

	readAt := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	read := cb.MessagesRead(simfeishu.UserID{OpenID: "ou_li4"}, readAt, sent.MessageID, "om_not_ours")
	for i, ev := range []simfeishu.Event{read, read, cb.Repushed(read)} {
		if a, err := cb.Post(ctx, ev); err != nil || a.Status != http.StatusOK {
			t.Fatalf("read event %d: %v %+v", i, err, a)
		}
	}
	var ds struct{ Items []model.Delivery }
	n.Do("GET", fmt.Sprintf("/api/v1/messages/%d/deliveries", replies.last), n.Token, nil, &ds)
	if len(ds.Items) != 1 || len(ds.Items[0].Reads) != 1 {
		t.Fatalf("deliveries = %+v", ds.Items)
	}
	if r := ds.Items[0].Reads[0]; r.Reader != "ou_li4" || !r.At.Equal(readAt) {
		t.Errorf("read receipt = %+v, want ou_li4 at %s", r, readAt)
	}
	page := consolePage(t, n, fmt.Sprintf("/conversations/%d", replies.conv))
	if !strings.Contains(page, `class="receipt"`) || !strings.Contains(page, "已读") {
		t.Errorf("conversation view shows no read receipt: %.3000s", page)
	}
	notifyReceipt(t, n, sim, cb)
	forged, _ := cb.Request(ctx, read, true)
	forged.Header.Set(simfeishu.HeaderSignature, strings.Repeat("ab", 32))
	if a, _ := cb.Do(forged); a.Status != http.StatusUnauthorized {
		t.Errorf("forged read event: %d %s", a.Status, a.Body)
	}
}

// consolePage signs in as the admin and returns a console page's HTML.
func consolePage(t *testing.T, n *apptest.Node, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body := fmt.Sprintf(`{"login":"admin","password":%q}`, n.AdminPW)
	resp, err := c.Post(n.URL+"/api/v1/session", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = c.Get(n.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

// notifyReceipt: the admin reads their notification on Feishu; the
// notification's delivery path shows it read, in the API and the console.
func notifyReceipt(t *testing.T, n *apptest.Node, sim *simfeishu.Server, cb *simfeishu.Callbacks) {
	t.Helper()
	var msgID string
	apptest.WaitFor(t, 5*time.Second, "the notification on Feishu", func() bool {
		for _, s := range sim.Sent() {
			if s.ReceiveID == "ou_admin" {
				msgID = s.MessageID
			}
		}
		return msgID != ""
	})
	if a, err := cb.Post(context.Background(), cb.MessagesRead(simfeishu.UserID{OpenID: "ou_admin"}, time.Time{}, msgID)); err != nil || a.Status != http.StatusOK {
		t.Fatalf("read event: %v %+v", err, a)
	}
	var list struct {
		Items []struct{ Deliveries []model.Delivery } `json:"items"`
	}
	apptest.WaitFor(t, 2*time.Second, "the notification's delivery read", func() bool {
		n.Do("GET", "/api/v1/me/notifications", n.Token, nil, &list)
		return len(list.Items) == 1 && len(list.Items[0].Deliveries) == 1 && len(list.Items[0].Deliveries[0].Reads) == 1
	})
	if r := list.Items[0].Deliveries[0].Reads[0]; r.Reader != "ou_admin" {
		t.Errorf("notification read by %+v", r)
	}
	if page := consolePage(t, n, "/notifications"); !strings.Contains(page, `class="receipt"`) {
		t.Errorf("the notification's path shows no read receipt: %.3000s", page)
	}
}
