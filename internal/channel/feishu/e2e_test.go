package feishu_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simfeishu "switchboard/internal/simulator/feishu"
)

type page struct {
	Items []model.Message `json:"items"`
}

type feishuChannel struct {
	ID          int64             `json:"id"`
	CallbackURL string            `json:"callback_url"`
	Settings    map[string]string `json:"settings"`
	Secret      string            `json:"secret"`
	Health      model.Health      `json:"health"`
}

// createChannel adds a Feishu channel the way an admin does, with the
// values copied from the Feishu console.
func createChannel(t *testing.T, n *apptest.Node, baseURL string) feishuChannel {
	t.Helper()
	var ch feishuChannel
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "feishu", "name": "飞书客服", "org_unit_id": 1,
		"settings": map[string]string{"app_id": "cli_e2e", "app_secret": "app-secret-1", "verification_token": "vtoken-1",
			"encrypt_key": "encrypt-key-1", "base_url": baseURL}}, &ch)
	if st != http.StatusCreated || !strings.HasSuffix(ch.CallbackURL, fmt.Sprintf("/hooks/feishu/%d", ch.ID)) {
		t.Fatalf("create channel: %d %+v", st, ch)
	}
	if ch.Settings["app_id"] != "cli_e2e" || ch.Settings["base_url"] != baseURL || ch.Secret != "" {
		t.Errorf("channel view: %+v", ch)
	}
	for _, secret := range []string{"app_secret", "verification_token", "encrypt_key"} {
		if _, shown := ch.Settings[secret]; shown {
			t.Errorf("the API shows %s", secret)
		}
	}
	return ch
}

func messages(n *apptest.Node, query string) []model.Message {
	var p page
	n.Do("GET", "/api/v1/messages?"+query, n.Token, nil, &p)
	return p.Items
}

// A group message from Feishu arrives once however often it is pushed, is
// searchable, and the agent's replies reach the chat — across a revoked
// token and a throttled send.
func TestFeishuCallbackToReplyEndToEnd(t *testing.T) {
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_e2e", AppSecret: "app-secret-1"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	n := apptest.Start(t)
	ch := createChannel(t, n, platform.URL)
	ctx := context.Background()
	cb := &simfeishu.Callbacks{URL: fmt.Sprintf("%s/hooks/feishu/%d", n.URL, ch.ID), AppID: "cli_e2e",
		VerificationToken: "vtoken-1", EncryptKey: "encrypt-key-1", Server: sim}
	if _, err := cb.Verify(ctx); err != nil {
		t.Fatalf("url_verification: %v", err)
	}

	sim.AddUser(simfeishu.User{OpenID: "ou_li4", Name: "李四"})
	sim.AddChat("oc_line3", "三号线报警群")
	ev := cb.MessageReceived(simfeishu.Message{MessageID: "om_e2e_1", ChatID: "oc_line3", ChatType: "group", Sender: simfeishu.UserID{OpenID: "ou_li4"},
		Text: "@_user_1 三号线设备报警，请尽快处理", Mentions: []simfeishu.Mention{{Key: "@_user_1", Name: "客服助手"}}})
	answers, err := cb.PostTimes(ctx, ev, 2)
	if err != nil {
		t.Fatal(err)
	}
	repush, err := cb.Post(ctx, cb.Repushed(ev))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range append(answers, repush) {
		if a.Status != http.StatusOK {
			t.Fatalf("push %d: %d %s", i, a.Status, a.Body)
		}
	}
	forged, _ := cb.Request(ctx, cb.MessageReceived(simfeishu.Message{ChatID: "oc_line3", Text: "伪造的报警"}), true)
	forged.Header.Set(simfeishu.HeaderSignature, strings.Repeat("ab", 32))
	if a, _ := cb.Do(forged); a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, "SB-1001") {
		t.Errorf("forged callback: %d %s", a.Status, a.Body)
	}
	apptest.WaitFor(t, 2*time.Second, "the message", func() bool { return len(messages(n, "")) == 1 })
	time.Sleep(200 * time.Millisecond) // let any duplicate be processed too
	got := messages(n, "")
	if len(got) != 1 || got[0].Text != "@客服助手 三号线设备报警，请尽快处理" || got[0].ChannelKind != "feishu" || got[0].ExternalID != "om_e2e_1" {
		t.Fatalf("messages = %+v", got)
	}
	if found := messages(n, "q=报警"); len(found) != 1 || found[0].ID != got[0].ID {
		t.Errorf("search 报警: %+v", found)
	}
	// The event names sender and chat by id only: the inbox shows the
	// names the contact and chat APIs give.
	var conv model.Conversation
	n.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", got[0].ConversationID), n.Token, nil, &conv)
	if got[0].SenderName != "李四" || conv.Title != "三号线报警群" {
		t.Errorf("sender %q, chat title %q; want 李四 in 三号线报警群", got[0].SenderName, conv.Title)
	}

	replies := &replier{t: t, n: n, sim: sim, conv: got[0].ConversationID}
	first := replies.send("已收到，工程师马上到", 1)
	if first.ReceiveIDType != "chat_id" || first.ReceiveID != "oc_line3" || first.UUID == "" || !strings.Contains(first.Content, "工程师马上到") {
		t.Errorf("reply reached the platform as %+v", first)
	}
	sim.ExpireTokens()
	replies.send("第二条回复", 2)
	if stale := countCode(sim, simfeishu.CodeTokenInvalid); sim.TokenRequests() != 2 || stale != 1 {
		t.Errorf("after a revoked token: %d token requests, %d stale-token answers; want one refresh", sim.TokenRequests(), stale)
	}
	replies.throttledThenSent(t)
	var view feishuChannel
	n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", ch.ID), n.Token, nil, &view)
	if view.Health.LastEventAt.IsZero() || view.Health.ErrorCount == 0 {
		t.Errorf("health = %+v (a forged callback and a 429 were counted?)", view.Health)
	}
}

// replier answers in a conversation through the API and waits for the
// platform to get it.
type replier struct {
	t    *testing.T
	n    *apptest.Node
	sim  *simfeishu.Server
	conv int64
	last int64 // id of the last outbound message
}

func (r *replier) send(text string, want int) simfeishu.Sent {
	r.t.Helper()
	var out struct{ Message model.Message }
	if st := r.n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", r.conv), r.n.Token, map[string]string{"text": text}, &out); st != http.StatusAccepted {
		r.t.Fatalf("reply %q: %d", text, st)
	}
	r.last = out.Message.ID
	apptest.WaitFor(r.t, 15*time.Second, "the reply on Feishu", func() bool { return len(r.sim.SentTo("oc_line3")) == want })
	return r.sim.SentTo("oc_line3")[want-1]
}

// throttledThenSent checks a 429 with x-ogw-ratelimit-reset: 3 holds the
// delivery back at least 3 s (the outbox's own first backoff is ~1 s).
func (r *replier) throttledThenSent(t *testing.T) {
	r.sim.Faults.Add(1, simulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second, Path: "/open-apis/im/v1/messages"})
	sent := r.send("第三条回复", 3)
	var throttledAt time.Time
	for _, req := range r.sim.Requests() {
		if req.Status == http.StatusTooManyRequests {
			throttledAt = req.At
		}
	}
	if throttledAt.IsZero() || sent.At.Sub(throttledAt) < 3*time.Second {
		t.Errorf("throttled at %v, sent %s later; want ≥ 3s", throttledAt, sent.At.Sub(throttledAt))
	}
	var ds struct{ Items []model.Delivery }
	apptest.WaitFor(t, 5*time.Second, "the delivery recorded as sent", func() bool {
		r.n.Do("GET", fmt.Sprintf("/api/v1/messages/%d/deliveries", r.last), r.n.Token, nil, &ds)
		return len(ds.Items) == 1 && ds.Items[0].State == model.DeliverySent
	})
	if d := ds.Items[0]; d.Attempts != 2 || d.ExternalID != sent.MessageID {
		t.Errorf("delivery = %+v, want 2 attempts and external id %s", d, sent.MessageID)
	}
}

func countCode(sim *simfeishu.Server, code int) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Code == code {
			n++
		}
	}
	return n
}
