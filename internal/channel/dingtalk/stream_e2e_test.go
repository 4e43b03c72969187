package dingtalk_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// streamFixture is a node with a Stream-mode DingTalk channel whose
// connection goes to the simulator: no request ever reaches the node's
// /hooks/dingtalk URL.
type streamFixture struct {
	t   *testing.T
	sim *simdingtalk.Server
	n   *apptest.Node
	ch  dingtalkChannel
	cb  *simdingtalk.Callbacks
}

func newStreamFixture(t *testing.T, extra map[string]string) *streamFixture {
	t.Helper()
	// Callbacks are re-pushed when un-acked here, so that a drop loses
	// nothing the adapter could keep (DingTalk itself documents bot
	// messages as fire-and-forget; see the simulator's StreamConfig).
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingstream", AppSecret: "stream-secret",
		Stream: simdingtalk.StreamConfig{AckTimeout: 300 * time.Millisecond, RetryDelay: 50 * time.Millisecond,
			DisconnectGrace: 200 * time.Millisecond, RedeliverCallbacks: true}})
	platform := httptest.NewServer(sim)
	t.Cleanup(platform.Close)
	sim.SetURL(platform.URL)
	n := apptest.Start(t)
	settings := map[string]string{"app_key": "dingstream", "app_secret": "stream-secret", "mode": "stream",
		"base_url": platform.URL, "oapi_base_url": platform.URL}
	for k, v := range extra {
		settings[k] = v
	}
	var ch dingtalkChannel
	if st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "dingtalk", "name": "钉钉 Stream",
		"org_unit_id": 1, "settings": settings}, &ch); st != http.StatusCreated {
		t.Fatalf("create channel: %d", st)
	}
	f := &streamFixture{t: t, sim: sim, n: n, ch: ch, cb: &simdingtalk.Callbacks{RobotCode: "dingstream", Server: sim}}
	f.waitConnected(1)
	return f
}

// waitConnected waits for the connects-th connection to be the live one.
func (f *streamFixture) waitConnected(connects int) {
	f.t.Helper()
	apptest.WaitFor(f.t, 5*time.Second, fmt.Sprintf("stream connection #%d", connects), func() bool {
		conns := f.sim.StreamConns()
		return f.sim.StreamConnects() == connects && len(conns) == 1 && !conns[0].Draining
	})
}

func (f *streamFixture) push(msgID, text string) simdingtalk.Callback {
	cb := f.cb.Message(simdingtalk.Message{MsgID: msgID, ConversationType: "2", ConversationID: "cidStreamLine3==",
		Title: "三号线报修群", SenderStaffID: "li4", SenderNick: "李四", Text: text})
	f.sim.StreamBotMessage(cb)
	return cb
}

// inbound lists the messages received, newest first.
func (f *streamFixture) inbound() []model.Message {
	var in []model.Message
	for _, m := range messages(f.n, "") {
		if m.Direction == model.Inbound {
			in = append(in, m)
		}
	}
	return in
}

func (f *streamFixture) waitMessages(n int) []model.Message {
	f.t.Helper()
	apptest.WaitFor(f.t, 5*time.Second, fmt.Sprintf("%d messages", n), func() bool { return len(f.inbound()) >= n })
	return f.inbound()
}

// Stream mode end to end: a group message arrives over the long
// connection with its sender and group title and is acked after the
// commit; its sessionWebhook answers the reply; a server-initiated
// disconnect and two network drops (one with a frame in flight) lose
// nothing and store nothing twice.
func TestDingTalkStreamEndToEnd(t *testing.T) {
	f := newStreamFixture(t, nil)
	subs := fmt.Sprint(f.sim.StreamConns()[0].Subscriptions)
	if !strings.Contains(subs, simdingtalk.TopicBotMessage) || !strings.Contains(subs, simdingtalk.TopicCardCallback) {
		t.Errorf("subscriptions = %s", subs)
	}
	f.push("msgStream1==", "三号线设备报警")
	got := f.waitMessages(1)
	if m := got[0]; m.Text != "三号线设备报警" || m.SenderName != "李四" || m.ExternalID != "msgStream1==" || m.ChannelKind != "dingtalk" {
		t.Fatalf("message = %+v", m)
	}
	var conv model.Conversation
	if f.n.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", got[0].ConversationID), f.n.Token, nil, &conv); conv.Title != "三号线报修群" {
		t.Errorf("conversation = %+v", conv)
	}
	f.checkAcked(1)
	replies := &replier{t: t, n: f.n, sim: f.sim, conv: got[0].ConversationID}
	if first := replies.sendTo("cidStreamLine3==", "已收到", 1); first.Op != "session" {
		t.Errorf("reply went as %+v; want the sessionWebhook the frame carried", first)
	}

	f.sim.StreamDisconnect()
	f.waitConnected(2)
	f.push("msgStream2==", "断开后的消息")
	f.waitMessages(2)

	f.sim.StreamDrop()
	f.push("msgStream3==", "网络中断期间的消息") // queued until the adapter is back
	f.waitConnected(3)
	f.waitMessages(3)

	f.sim.Faults.Add(1, simulator.Fault{Path: simdingtalk.TopicBotMessage, Drop: true})
	again := f.push("msgStream4==", "传输中断的消息")
	f.waitConnected(4)
	f.waitMessages(4)
	f.sim.StreamBotMessage(again) // DingTalk warns duplicates are possible even after an ack
	f.checkAcked(5)
	time.Sleep(200 * time.Millisecond)
	if got := f.inbound(); len(got) != 4 {
		t.Errorf("%d messages stored, want 4 (no loss, no duplicates): %+v", len(got), got)
	}
	var view dingtalkChannel
	f.n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", f.ch.ID), f.n.Token, nil, &view)
	if view.Health.State != model.HealthConnected || view.Health.LastEventAt.IsZero() {
		t.Errorf("health = %+v, want connected with a last event", view.Health)
	}
}

// checkAcked waits until n bot-message frames are acked with code 200 and
// the documented {"response":null}.
func (f *streamFixture) checkAcked(n int) {
	f.t.Helper()
	acked := func() (k int) {
		for _, fr := range f.sim.StreamFrames() {
			if fr.Topic == simdingtalk.TopicBotMessage && fr.Outcome == simdingtalk.OutcomeAcked && fr.AckCode == 200 && fr.AckData == `{"response":null}` {
				k++
			}
		}
		return k
	}
	apptest.WaitFor(f.t, 5*time.Second, fmt.Sprintf("%d acked frames", n), func() bool { return acked() == n })
}

// A click on a card the channel sent comes back over Stream as a
// card_action message from the clicking user, in the card's conversation.
func TestDingTalkStreamCardAction(t *testing.T) {
	f := newStreamFixture(t, map[string]string{"send_as": "card", "card_template_id": "tpl-status.schema"})
	f.push("msgCard1==", "请确认维修方案")
	got := f.waitMessages(1)
	replies := &replier{t: t, n: f.n, sim: f.sim, conv: got[0].ConversationID}
	sent := replies.sendTo("cidStreamLine3==", "维修方案：更换传感器", 1)
	if c, ok := f.sim.Card(sent.OutTrackID); !ok || c.CallbackType != "STREAM" {
		t.Fatalf("card = %+v; want callbackType STREAM", c)
	}
	id, err := f.sim.StreamCardAction(simdingtalk.CardAction{OutTrackID: sent.OutTrackID, UserID: "wang5",
		ActionIDs: []string{"approve"}, Params: map[string]any{"decision": "同意"}})
	if err != nil {
		t.Fatal(err)
	}
	apptest.WaitFor(t, 5*time.Second, "the card action", func() bool { return len(messages(f.n, "kind=card_action")) == 1 })
	a := messages(f.n, "kind=card_action")[0]
	if a.ConversationID != got[0].ConversationID || !strings.Contains(a.Text, "同意") || !strings.Contains(a.Text, "approve") {
		t.Errorf("card action = %+v", a)
	}
	if fr, _ := f.sim.StreamFrame(id); fr.Outcome != simdingtalk.OutcomeAcked || !strings.Contains(fr.AckData, `"response"`) {
		t.Errorf("card callback frame = %+v", fr)
	}
}

// Stream mode is refused with a wrong secret at connections/open, and
// the channel's health says so.
func TestDingTalkStreamWrongSecretDegrades(t *testing.T) {
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingstream", AppSecret: "stream-secret"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	n := apptest.Start(t)
	var ch dingtalkChannel
	n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "dingtalk", "name": "钉钉", "org_unit_id": 1,
		"settings": map[string]string{"app_key": "dingstream", "app_secret": "typo", "mode": "stream", "base_url": platform.URL}}, &ch)
	apptest.WaitFor(t, 5*time.Second, "a degraded channel", func() bool {
		var view dingtalkChannel
		n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", ch.ID), n.Token, nil, &view)
		return view.Health.State != model.HealthConnected && strings.Contains(view.Health.LastError, "connections/open")
	})
	if sim.StreamConnects() != 0 {
		t.Errorf("%d connections with a wrong secret", sim.StreamConnects())
	}
}

// A click on a card sent into a one-to-one chat names the user as its
// space, not the chat: the card's conversation is kept in the store, so a
// click after the channel was reopened (a restart, or another node) still
// lands in that chat, not in a new conversation with the user.
func TestDingTalkCardActionAfterReopenKeepsItsConversation(t *testing.T) {
	f := newStreamFixture(t, map[string]string{"send_as": "card", "card_template_id": "tpl-status.schema"})
	f.sim.StreamBotMessage(f.cb.Message(simdingtalk.Message{MsgID: "msgDM1==", ConversationType: "1", ConversationID: "cidDMWang5==",
		SenderStaffID: "wang5", SenderNick: "王五", Text: "设备报修"}))
	got := f.waitMessages(1)
	replies := &replier{t: t, n: f.n, sim: f.sim, conv: got[0].ConversationID}
	sent := replies.sendTo("user:wang5", "维修方案：更换传感器", 1)
	if c, ok := f.sim.Card(sent.OutTrackID); !ok || c.SpaceType != "IM_ROBOT" {
		t.Fatalf("card = %+v; want one delivered to the robot chat", c)
	}

	// Reconfigure the channel: the node drops its instance (and what it
	// remembered) and opens a new one.
	if st := f.n.Do("PATCH", fmt.Sprintf("/api/v1/channels/%d", f.ch.ID), f.n.Token, map[string]any{"name": "钉钉 Stream 2"}, nil); st != http.StatusOK {
		t.Fatalf("rename channel: %d", st)
	}
	f.waitConnected(2)
	if _, err := f.sim.StreamCardAction(simdingtalk.CardAction{OutTrackID: sent.OutTrackID, UserID: "wang5",
		ActionIDs: []string{"approve"}, Params: map[string]any{"decision": "同意"}}); err != nil {
		t.Fatal(err)
	}
	apptest.WaitFor(t, 5*time.Second, "the card action", func() bool { return len(messages(f.n, "kind=card_action")) == 1 })
	if a := messages(f.n, "kind=card_action")[0]; a.ConversationID != got[0].ConversationID {
		t.Errorf("card action in conversation %d, want the chat the card went to (%d)", a.ConversationID, got[0].ConversationID)
	}
}
