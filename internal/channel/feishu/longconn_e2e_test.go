package feishu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simfeishu "switchboard/internal/simulator/feishu"
)

// fastClient is the ClientConfig the simulator hands out in these tests:
// reconnect at once after a drop, then every second; ping every second.
var fastClient = simfeishu.ClientConfig{ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0, PingInterval: 1}

func longConnPlatform(t *testing.T) (*simfeishu.Server, string) {
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_ws", AppSecret: "ws-secret",
		LongConn: simfeishu.LongConnConfig{Client: &fastClient, AckTimeout: time.Second, FragmentSize: 200}})
	platform := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); platform.Close() })
	return sim, platform.URL
}

// createLongConnChannel adds a channel in long_connection mode: only the
// app's credentials, no verification token, no callback URL to register.
func createLongConnChannel(t *testing.T, n *apptest.Node, baseURL string) feishuChannel {
	t.Helper()
	var ch feishuChannel
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "feishu", "name": "飞书长连接", "org_unit_id": 1,
		"settings": map[string]string{"app_id": "cli_ws", "app_secret": "ws-secret", "base_url": baseURL, "mode": "long_connection"}}, &ch)
	if st != http.StatusCreated || ch.Settings["mode"] != "long_connection" {
		t.Fatalf("create channel: %d %+v", st, ch)
	}
	return ch
}

func channelView(n *apptest.Node, id int64) feishuChannel {
	var v feishuChannel
	n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", id), n.Token, nil, &v)
	return v
}

// pushed waits until the event pushed as frame id is acked with code 200.
func pushed(t *testing.T, sim *simfeishu.Server, id string) simfeishu.Pushed {
	t.Helper()
	var got simfeishu.Pushed
	apptest.WaitFor(t, 10*time.Second, "the ack of "+id, func() bool {
		for _, p := range sim.Pushes() {
			if p.MessageID == id && p.Acked {
				got = p
				return true
			}
		}
		return false
	})
	if got.Code != http.StatusOK || got.BizRT == "" {
		t.Errorf("ack of %s = %+v", id, got)
	}
	return got
}

// Long-connection mode: the node dials out (no inbound HTTP at all),
// receives a group message split over several frames, acks it after the
// commit, and survives a server-initiated disconnect and two network
// drops — one losing an ack, one while an event is waiting — with every
// message stored once. Disabling the channel closes the connection.
func TestFeishuLongConnectionEndToEnd(t *testing.T) {
	sim, baseURL := longConnPlatform(t)
	n := apptest.Start(t)
	ch := createLongConnChannel(t, n, baseURL)
	apptest.WaitFor(t, 5*time.Second, "the long connection", func() bool { return len(sim.Connections()) == 1 })
	apptest.WaitFor(t, 2*time.Second, "health connected", func() bool { return channelView(n, ch.ID).Health.State == model.HealthConnected })

	events := sim.Events()
	text := "三号线设备报警，请尽快处理。" + strings.Repeat("现场温度持续升高。", 20) // > FragmentSize: several frames
	push := func(id, chat string) string {
		return sim.PushEvent(events.MessageReceived(simfeishu.Message{MessageID: id, ChatID: chat, ChatType: "group",
			Sender: simfeishu.UserID{OpenID: "ou_li4"}, Text: text}))
	}
	pushed(t, sim, push("om_ws_1", "oc_line3"))

	sim.Disconnect(false) // server restart: close frame, then reconnect
	apptest.WaitFor(t, 5*time.Second, "a reconnect", func() bool { return sim.Bootstraps() == 2 && len(sim.Connections()) == 1 })
	pushed(t, sim, push("om_ws_2", "oc_line3"))

	sim.ConnFaults.Add(1, simulator.Fault{Drop: true}) // the socket dies right after the push: the ack is lost
	if p := pushed(t, sim, push("om_ws_3", "oc_line3")); p.Pushes < 2 {
		t.Errorf("om_ws_3 pushed %d times; the lost ack should have made the platform push it again", p.Pushes)
	}

	sim.Disconnect(true) // network drop, and an event arrives before the reconnect
	pushed(t, sim, push("om_ws_4", "oc_line4"))

	apptest.WaitFor(t, 5*time.Second, "four messages", func() bool { return len(messages(n, "")) == 4 })
	time.Sleep(300 * time.Millisecond) // let any duplicate land too
	got := messages(n, "")
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.ExternalID] = true
		if m.Text != text || m.ChannelID != ch.ID || m.Direction != model.Inbound {
			t.Errorf("message %s: %+v", m.ExternalID, m)
		}
	}
	if len(got) != 4 || len(ids) != 4 {
		t.Fatalf("stored %d messages (%d distinct); want each of the 4 once", len(got), len(ids))
	}
	if v := channelView(n, ch.ID); v.Health.State != model.HealthConnected || v.Health.LastEventAt.IsZero() {
		t.Errorf("health after reconnecting = %+v", v.Health)
	}

	disabled := false
	if st := n.Do("PATCH", fmt.Sprintf("/api/v1/channels/%d", ch.ID), n.Token, map[string]any{"enabled": &disabled}, nil); st != http.StatusOK {
		t.Fatalf("disable: %d", st)
	}
	apptest.WaitFor(t, 5*time.Second, "the connection closed", func() bool { return len(sim.Connections()) == 0 })
	time.Sleep(1500 * time.Millisecond) // past the reconnect interval
	if c := sim.Connections(); len(c) != 0 {
		t.Errorf("a disabled channel reconnected: %+v", c)
	}
}

// A click on a card arrives as a type=card frame, is stored as a
// card_action message in the card's chat from the user who clicked, and is
// answered with the documented toast, which the SDK's model reads.
func TestFeishuCardActionOverLongConnection(t *testing.T) {
	sim, baseURL := longConnPlatform(t)
	n := apptest.Start(t)
	createLongConnChannel(t, n, baseURL)
	apptest.WaitFor(t, 5*time.Second, "the long connection", func() bool { return len(sim.Connections()) == 1 })
	events := sim.Events()
	pushed(t, sim, sim.PushEvent(events.MessageReceived(simfeishu.Message{MessageID: "om_alarm", ChatID: "oc_line3", ChatType: "group", Text: "报警"})))
	p := pushed(t, sim, sim.PushCard(events.CardAction(simfeishu.CardAction{Operator: simfeishu.UserID{OpenID: "ou_zhang3"},
		MessageID: "om_card_1", ChatID: "oc_line3", Value: map[string]any{"action": "confirm", "label": "确认"}})))
	checkToast(t, p.Response)
	var click model.Message
	apptest.WaitFor(t, 5*time.Second, "the card action", func() bool {
		for _, m := range messages(n, "") {
			if m.Kind == model.KindCardAction {
				click = m
				return true
			}
		}
		return false
	})
	alarm := messages(n, "q=报警")
	if click.Text != "确认" || len(alarm) != 1 || click.ConversationID != alarm[0].ConversationID || click.SenderID == 0 || click.SenderID == alarm[0].SenderID {
		t.Errorf("card action = %+v; alarm = %+v", click, alarm)
	}
}

// checkToast reads a card callback answer with the SDK's own model.
func checkToast(t *testing.T, raw []byte) {
	t.Helper()
	var resp callback.CardActionTriggerResponse
	if err := json.Unmarshal(raw, &resp); err != nil || resp.Toast == nil || resp.Toast.Type != "success" ||
		resp.Toast.Content != "已收到" || resp.Toast.I18nContent["en_us"] != "Received" {
		t.Errorf("card answer %s: %v", raw, err)
	}
}

// Card callbacks posted to the same request URL (callback mode) are
// authenticated like events, recorded once however often pushed, and
// answered with the toast.
func TestFeishuCardActionOverHTTP(t *testing.T) {
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_e2e", AppSecret: "app-secret-1"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	n := apptest.Start(t)
	ch := createChannel(t, n, platform.URL)
	cb := &simfeishu.Callbacks{URL: fmt.Sprintf("%s/hooks/feishu/%d", n.URL, ch.ID), AppID: "cli_e2e",
		VerificationToken: "vtoken-1", EncryptKey: "encrypt-key-1", Server: sim}
	ctx := context.Background()
	ev := cb.CardAction(simfeishu.CardAction{Operator: simfeishu.UserID{OpenID: "ou_zhang3"}, MessageID: "om_card_1",
		ChatID: "oc_line3", Value: map[string]any{"action": "confirm", "label": "确认"}})
	answers, err := cb.PostTimes(ctx, ev, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		if a.Status != http.StatusOK {
			t.Fatalf("card callback: %d %s", a.Status, a.Body)
		}
		checkToast(t, []byte(a.Body))
	}
	forged := &simfeishu.Callbacks{URL: cb.URL, AppID: "cli_e2e", VerificationToken: "wrong", EncryptKey: "encrypt-key-1"}
	if a, _ := forged.Post(ctx, forged.CardAction(simfeishu.CardAction{ChatID: "oc_line3"})); a.Status != http.StatusUnauthorized {
		t.Errorf("card callback with a wrong token: %d %s", a.Status, a.Body)
	}
	apptest.WaitFor(t, 2*time.Second, "the card action", func() bool { return len(messages(n, "")) == 1 })
	time.Sleep(200 * time.Millisecond)
	got := messages(n, "")
	if len(got) != 1 || got[0].Kind != model.KindCardAction || got[0].Text != "确认" {
		t.Errorf("messages = %+v", got)
	}
}

// The long connection lives and dies with the node: it closes when the
// node stops and opens again when it starts, before any request.
func TestFeishuLongConnectionFollowsTheNode(t *testing.T) {
	sim, baseURL := longConnPlatform(t)
	dir := t.TempDir()
	sameDir := func(c *config.Config) { c.DataDir = dir }
	n := apptest.Start(t, sameDir)
	createLongConnChannel(t, n, baseURL)
	apptest.WaitFor(t, 5*time.Second, "the long connection", func() bool { return len(sim.Connections()) == 1 })
	n.Stop()
	apptest.WaitFor(t, 5*time.Second, "the connection closed with the node", func() bool { return len(sim.Connections()) == 0 })
	token := n.Token
	n = apptest.Start(t, sameDir)
	n.Token = token // the same database: the admin exists, no new token is made
	apptest.WaitFor(t, 5*time.Second, "the connection reopened at start", func() bool { return len(sim.Connections()) == 1 })
	pushed(t, sim, sim.PushEvent(sim.Events().MessageReceived(simfeishu.Message{MessageID: "om_after_restart", ChatID: "oc_1", Text: "重启后"})))
	apptest.WaitFor(t, 5*time.Second, "the message", func() bool { return len(messages(n, "")) == 1 })
}
