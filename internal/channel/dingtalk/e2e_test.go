package dingtalk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

type page struct {
	Items []model.Message `json:"items"`
}

type dingtalkChannel struct {
	ID          int64             `json:"id"`
	CallbackURL string            `json:"callback_url"`
	Settings    map[string]string `json:"settings"`
	Health      model.Health      `json:"health"`
}

// createChannel adds a DingTalk channel the way an admin does, with the
// values copied from the developer console; both hosts are the simulator.
func createChannel(t *testing.T, n *apptest.Node, baseURL string) dingtalkChannel {
	t.Helper()
	var ch dingtalkChannel
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "dingtalk", "name": "钉钉客服", "org_unit_id": 1,
		"settings": map[string]string{"app_key": "dinge2e", "app_secret": "app-secret-1", "robot_code": "dinge2e",
			"base_url": baseURL, "oapi_base_url": baseURL}}, &ch)
	if st != http.StatusCreated || !strings.HasSuffix(ch.CallbackURL, fmt.Sprintf("/hooks/dingtalk/%d", ch.ID)) {
		t.Fatalf("create channel: %d %+v", st, ch)
	}
	if _, shown := ch.Settings["app_secret"]; shown || ch.Settings["base_url"] != baseURL {
		t.Errorf("channel view: %+v", ch)
	}
	return ch
}

func messages(n *apptest.Node, query string) []model.Message {
	var p page
	n.Do("GET", "/api/v1/messages?"+query, n.Token, nil, &p)
	return p.Items
}

// A group message from DingTalk arrives once however often it is pushed,
// with its sender and group title, is searchable, and the agent's replies
// reach the group: through the sessionWebhook while it lives, then through
// groupMessages/send — across a revoked token and a throttled send.
func TestDingTalkCallbackToReplyEndToEnd(t *testing.T) {
	// Sessions that the adapter (which stops a minute early) sees expire
	// five seconds after the callback.
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dinge2e", AppSecret: "app-secret-1", SessionTTL: 65 * time.Second})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	sim.SetURL(platform.URL)
	n := apptest.Start(t)
	ch := createChannel(t, n, platform.URL)
	ctx := context.Background()
	cb := &simdingtalk.Callbacks{URL: fmt.Sprintf("%s/hooks/dingtalk/%d", n.URL, ch.ID), AppSecret: "app-secret-1", RobotCode: "dinge2e", Server: sim}

	msg := cb.Message(simdingtalk.Message{MsgID: "msgE2E1==", ConversationType: "2", ConversationID: "cidLine3==", Title: "三号线报修群",
		SenderStaffID: "li4", SenderNick: "李四", Text: " 三号线设备报警，请尽快处理"})
	answers, err := cb.PostTimes(ctx, msg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range answers {
		if a.Status != http.StatusOK {
			t.Fatalf("push %d: %d %s", i, a.Status, a.Body)
		}
	}
	refuseForgeries(t, cb)
	apptest.WaitFor(t, 2*time.Second, "the message", func() bool { return len(messages(n, "")) == 1 })
	time.Sleep(200 * time.Millisecond) // let any duplicate be processed too
	got := messages(n, "")
	if len(got) != 1 || got[0].Text != "三号线设备报警，请尽快处理" || got[0].ChannelKind != "dingtalk" || got[0].ExternalID != "msgE2E1==" || got[0].SenderName != "李四" {
		t.Fatalf("messages = %+v", got)
	}
	var conv model.Conversation
	if n.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", got[0].ConversationID), n.Token, nil, &conv); conv.Title != "三号线报修群" {
		t.Errorf("conversation = %+v", conv)
	}
	if found := messages(n, "q=报警"); len(found) != 1 || found[0].ID != got[0].ID {
		t.Errorf("search 报警: %+v", found)
	}

	// The background contact lookup of the sender takes the first token.
	apptest.WaitFor(t, 5*time.Second, "the contact lookup's token", func() bool { return sim.TokenRequests() == 1 })
	replies := &replier{t: t, n: n, sim: sim, conv: got[0].ConversationID}
	if first := replies.send("已收到，工程师马上到", 1); first.Op != "session" || sim.TokenRequests() != 1 {
		t.Errorf("first reply went as %+v with %d token requests; want the sessionWebhook, no token", first, sim.TokenRequests())
	}
	time.Sleep(time.Until(time.UnixMilli(msg.SessionWebhookExpiredTime).Add(-time.Minute)))
	if second := replies.send("工程师已出发", 2); second.Op != "group" || second.ConversationID != "cidLine3==" || sim.TokenRequests() != 1 {
		t.Errorf("after the session expired: %+v, %d token requests; want groupMessages/send with the cached token", second, sim.TokenRequests())
	}
	sim.ExpireTokens()
	replies.send("第三条回复", 3)
	if stale := sim.CountCode(simdingtalk.CodeTokenInvalid); sim.TokenRequests() != 2 || stale != 1 {
		t.Errorf("after a revoked token: %d token requests, %d stale-token answers; want one refresh", sim.TokenRequests(), stale)
	}
	replies.throttledThenSent(t)
	var view dingtalkChannel
	n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", ch.ID), n.Token, nil, &view)
	if view.Health.LastEventAt.IsZero() || view.Health.ErrorCount == 0 {
		t.Errorf("health = %+v (forged callbacks and a throttled send were counted?)", view.Health)
	}
}

// refuseForgeries posts a wrongly signed and a stale callback: 401 each.
func refuseForgeries(t *testing.T, cb *simdingtalk.Callbacks) {
	t.Helper()
	forged := cb.Message(simdingtalk.Message{ConversationType: "2", ConversationID: "cidLine3==", Text: "伪造的报警"})
	req, _ := cb.Request(context.Background(), forged, time.Now())
	req.Header.Set(simdingtalk.HeaderSign, "AAAA"+req.Header.Get(simdingtalk.HeaderSign)[4:])
	if a, _ := cb.Do(req); a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, "SB-1001") {
		t.Errorf("forged callback: %d %s", a.Status, a.Body)
	}
	stale, _ := cb.Request(context.Background(), forged, time.Now().Add(-61*time.Minute))
	if a, _ := cb.Do(stale); a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, "SB-1002") {
		t.Errorf("stale callback: %d %s", a.Status, a.Body)
	}
}

// replier answers in a conversation through the API and waits for the
// platform to get it.
type replier struct {
	t    *testing.T
	n    *apptest.Node
	sim  *simdingtalk.Server
	conv int64
	last int64 // id of the last outbound message
}

func (r *replier) send(text string, want int) simdingtalk.Sent {
	r.t.Helper()
	return r.sendTo("cidLine3==", text, want)
}

// sendTo replies and waits for the want-th delivery to dest.
func (r *replier) sendTo(dest, text string, want int) simdingtalk.Sent {
	r.t.Helper()
	var out struct{ Message model.Message }
	if st := r.n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", r.conv), r.n.Token, map[string]string{"text": text}, &out); st != http.StatusAccepted {
		r.t.Fatalf("reply %q: %d", text, st)
	}
	r.last = out.Message.ID
	apptest.WaitFor(r.t, 15*time.Second, "the reply on DingTalk", func() bool { return len(r.sim.SentTo(dest)) == want })
	return r.sim.SentTo(dest)[want-1]
}

// throttledThenSent checks that a throttled group send (HTTP 429, code
// 90018, no Retry-After) holds the delivery back at least the adapter's
// two seconds (the outbox's own first backoff is ~1 s).
func (r *replier) throttledThenSent(t *testing.T) {
	r.sim.Faults.Add(1, simulator.Fault{Status: http.StatusTooManyRequests, Path: "/v1.0/robot/groupMessages/send"})
	sent := r.send("第四条回复", 4)
	var throttledAt time.Time
	for _, req := range r.sim.Requests() {
		if req.Code == simdingtalk.CodeThrottled {
			throttledAt = req.At
		}
	}
	if throttledAt.IsZero() || sent.When.Sub(throttledAt) < 2*time.Second {
		t.Errorf("throttled at %v, sent %s later; want ≥ 2s", throttledAt, sent.When.Sub(throttledAt))
	}
	var ds struct{ Items []model.Delivery }
	apptest.WaitFor(t, 5*time.Second, "the delivery recorded as sent", func() bool {
		r.n.Do("GET", fmt.Sprintf("/api/v1/messages/%d/deliveries", r.last), r.n.Token, nil, &ds)
		return len(ds.Items) == 1 && ds.Items[0].State == model.DeliverySent
	})
	if d := ds.Items[0]; d.Attempts != 2 || d.ExternalID != sent.ProcessQueryKey {
		t.Errorf("delivery = %+v, want 2 attempts and external id %s", d, sent.ProcessQueryKey)
	}
}

// A 1:1 chat's sessionWebhook outlives a restart: the reply written after
// it still goes into the chat through the webhook (the route is in the
// store, sealed), not to a group that does not exist.
func TestDingTalkSessionWebhookSurvivesRestart(t *testing.T) {
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dinge2e", AppSecret: "app-secret-1"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	sim.SetURL(platform.URL)
	dir := t.TempDir()
	inDir := func(c *config.Config) { c.DataDir = dir }
	n := apptest.Start(t, inDir)
	ch := createChannel(t, n, platform.URL)
	cb := &simdingtalk.Callbacks{URL: fmt.Sprintf("%s/hooks/dingtalk/%d", n.URL, ch.ID), AppSecret: "app-secret-1", RobotCode: "dinge2e", Server: sim}
	msg := cb.Message(simdingtalk.Message{MsgID: "msgOne1==", ConversationType: "1", ConversationID: "cidZhang3==",
		SenderStaffID: "zhang3", SenderNick: "张三", Text: "我的工单进展如何？"})
	if a, err := cb.Post(context.Background(), msg); err != nil || a.Status != http.StatusOK {
		t.Fatalf("callback: %v %+v", err, a)
	}
	apptest.WaitFor(t, 2*time.Second, "the message", func() bool { return len(messages(n, "")) == 1 })
	conv := messages(n, "")[0].ConversationID
	n.Stop()

	n = apptest.Start(t, inDir)
	tok, _, err := auth.CreateToken(context.Background(), n.App.Store, 1, "after restart", 0)
	if err != nil {
		t.Fatal(err)
	}
	n.Token = tok
	r := &replier{t: t, n: n, sim: sim, conv: conv}
	if sent := r.sendTo("cidZhang3==", "工程师今天下午到", 1); sent.Op != "session" {
		t.Errorf("reply after restart went as %+v; want the stored sessionWebhook", sent)
	}
}
