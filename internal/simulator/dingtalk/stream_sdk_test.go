//go:build !race

package dingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/event"

	"switchboard/internal/simulator"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// These tests are the cross-check of issue #5 point 6: the official
// stream SDK's own client (dingtalk-stream-sdk-go v0.9.1, unmodified,
// its StreamClient.Start loop included) talks to the fake gateway, so the
// fake cannot drift from what the SDK speaks.
//
// They cannot run under the race detector: that loop races on its own
// connection field (Start writes cli.conn under a mutex, processLoop and
// SendDataFrameResponse read it without) and acks from concurrent
// goroutines with no write lock, which gorilla/websocket forbids. That is
// why the adapter drives the SDK's endpoint call, frame types and handlers
// from its own loop (internal/channel/dingtalk/stream.go); `make test`
// runs this file once more without -race.

func newStreamSim(t *testing.T, sc simdingtalk.StreamConfig) (*simdingtalk.Server, *httptest.Server) {
	t.Helper()
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingstream", AppSecret: secret(t), Stream: sc})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sim.SetURL(srv.URL)
	return sim, srv
}

// bots collects what an SDK chatbot handler receives.
type bots struct {
	mu  sync.Mutex
	got []*chatbot.BotCallbackDataModel
}

func (b *bots) handle(_ context.Context, m *chatbot.BotCallbackDataModel) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, m)
	return []byte(`{"response":null}`), nil
}

func (b *bots) count() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.got) }

// secret is the app secret of a test's fake. Each test has its own: the
// SDK's reconnect loop outlives Close (one of the defects above), so a
// client of an earlier test may dial a later test's server on a reused
// port — with another secret it is refused instead of taking frames.
func secret(t *testing.T) string { return "stream-secret/" + t.Name() }

func sdkClient(t *testing.T, url, secret string, opts ...client.ClientOption) *client.StreamClient {
	t.Helper()
	opts = append([]client.ClientOption{client.WithAppCredential(client.NewAppCredentialConfig("dingstream", secret)),
		client.WithOpenApiHost(url)}, opts...)
	cli := client.NewStreamClient(opts...)
	t.Cleanup(func() { cli.AutoReconnect = false; cli.Close() })
	return cli
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func frame(sim *simdingtalk.Server, id string) simdingtalk.FrameRecord {
	f, _ := sim.StreamFrame(id)
	return f
}

func groupMessage(sim *simdingtalk.Server, text string) simdingtalk.Callback {
	cb := &simdingtalk.Callbacks{RobotCode: "dingstream", Server: sim}
	return cb.Message(simdingtalk.Message{ConversationType: "2", ConversationID: "cidStream==", Title: "三号线报修群",
		SenderStaffID: "li4", SenderNick: "李四", Text: text})
}

// The SDK opens a connection with its credentials, gets a bot message with
// the HTTP callback's fields, and acks it; a wrong secret gets no endpoint.
func TestSDKStreamClientGetsBotMessagesAndAcks(t *testing.T) {
	sim, srv := newStreamSim(t, simdingtalk.StreamConfig{})
	if err := sdkClient(t, srv.URL, "wrong").Start(context.Background()); err == nil || !strings.Contains(err.Error(), "clientSecret") {
		t.Errorf("wrong secret: err = %v", err)
	}
	var b bots
	cli := sdkClient(t, srv.URL, secret(t))
	cli.RegisterChatBotCallbackRouter(b.handle)
	if err := cli.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cb := groupMessage(sim, "设备报警")
	id := sim.StreamBotMessage(cb)
	waitFor(t, "the ack", func() bool { return frame(sim, id).Outcome == simdingtalk.OutcomeAcked })
	if b.count() != 1 || b.got[0].SenderNick != "李四" || b.got[0].ConversationTitle != "三号线报修群" ||
		b.got[0].Text.Content != "设备报警" || b.got[0].SessionWebhook != cb.SessionWebhook || b.got[0].MsgId != cb.MsgID {
		t.Errorf("SDK got %+v", b.got)
	}
	if f := frame(sim, id); f.AckCode != 200 || f.Attempts != 1 {
		t.Errorf("frame = %+v", f)
	}
	conns := sim.StreamConns()
	if len(conns) != 1 || len(conns[0].Subscriptions) != 3 { // ping, disconnect, bot messages
		t.Errorf("connections = %+v", conns)
	}
	sim.StreamPing()
	waitFor(t, "the pong", func() bool {
		fs := sim.StreamFrames()
		last := fs[len(fs)-1]
		return last.Topic == "ping" && last.Outcome == simdingtalk.OutcomeAcked && strings.Contains(last.AckData, "opaque")
	})
}

// A ticket is good for one connection only.
func TestSDKStreamTicketIsSingleUse(t *testing.T) {
	_, srv := newStreamSim(t, simdingtalk.StreamConfig{})
	body, _ := json.Marshal(map[string]any{"clientId": "dingstream", "clientSecret": secret(t),
		"subscriptions": []map[string]string{{"type": "CALLBACK", "topic": simdingtalk.TopicBotMessage}}})
	resp, err := http.Post(srv.URL+"/v1.0/gateway/connections/open", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ep struct{ Endpoint, Ticket string }
	json.NewDecoder(resp.Body).Decode(&ep)
	resp.Body.Close()
	if !strings.HasPrefix(ep.Endpoint, "ws://127.0.0.1") || ep.Ticket == "" {
		t.Fatalf("endpoint = %+v", ep)
	}
	httpURL := "http" + strings.TrimPrefix(ep.Endpoint, "ws") + "?ticket=" + ep.Ticket
	for i, want := range []int{http.StatusBadRequest, http.StatusUnauthorized} { // 400: no websocket upgrade; then used up
		resp, err := http.Get(httpURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("dial %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
}

// An event acked LATER is pushed again until the SDK's handler says
// SUCCESS.
func TestSDKStreamEventsAreRepushedUntilSuccess(t *testing.T) {
	sim, srv := newStreamSim(t, simdingtalk.StreamConfig{RetryDelay: 20 * time.Millisecond})
	var mu sync.Mutex
	calls := 0
	cli := sdkClient(t, srv.URL, secret(t))
	cli.RegisterAllEventRouter(event.NewDefaultEventFrameHandler(func(_ context.Context, h *event.EventHeader, data []byte) (event.EventProcessStatusType, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls < 3 || h.EventType != "user_add_org" || !strings.Contains(string(data), "li4") {
			return event.EventProcessStatusKLater, nil
		}
		return event.EventProcessStatusKSuccess, nil
	}).OnEventReceived)
	if err := cli.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := sim.StreamEvent("user_add_org", map[string]any{"userId": []string{"li4"}})
	waitFor(t, "SUCCESS", func() bool { return frame(sim, id).Outcome == simdingtalk.OutcomeAcked })
	if f := frame(sim, id); f.Attempts != 3 || !strings.Contains(f.AckData, "SUCCESS") {
		t.Errorf("frame = %+v", f)
	}
}

// A network drop with a bot message in flight loses it (DingTalk does not
// re-push bot messages); an event in flight is re-pushed after the ack
// timeout. The SDK reconnects and gets what follows.
func TestSDKStreamDropLosesCallbacksButRepushesEvents(t *testing.T) {
	sim, srv := newStreamSim(t, simdingtalk.StreamConfig{AckTimeout: 100 * time.Millisecond})
	var b bots
	cli := sdkClient(t, srv.URL, secret(t))
	cli.RegisterChatBotCallbackRouter(b.handle)
	cli.RegisterAllEventRouter(event.NewDefaultEventFrameHandler(func(context.Context, *event.EventHeader, []byte) (event.EventProcessStatusType, error) {
		return event.EventProcessStatusKSuccess, nil
	}).OnEventReceived)
	if err := cli.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sim.Faults.Add(1, simulator.Fault{Path: simdingtalk.TopicBotMessage, Drop: true})
	lost := sim.StreamBotMessage(groupMessage(sim, "丢失的消息"))
	waitFor(t, "the reconnect", func() bool { return sim.StreamConnects() == 2 && len(sim.StreamConns()) == 1 })
	sim.Faults.Add(1, simulator.Fault{Path: "user_", Drop: true})
	ev := sim.StreamEvent("user_leave_org", map[string]any{"userId": []string{"li4"}})
	waitFor(t, "the event's ack", func() bool { return frame(sim, ev).Outcome == simdingtalk.OutcomeAcked })
	kept := sim.StreamBotMessage(groupMessage(sim, "之后的消息"))
	waitFor(t, "the next message", func() bool { return frame(sim, kept).Outcome == simdingtalk.OutcomeAcked })
	if f := frame(sim, lost); f.Outcome != simdingtalk.OutcomeLost || b.count() != 1 || b.got[0].Text.Content != "之后的消息" {
		t.Errorf("lost frame %+v; SDK got %d messages", f, b.count())
	}
	if f := frame(sim, ev); f.Attempts != 2 || len(f.Conns) != 2 || f.Conns[0] == f.Conns[1] {
		t.Errorf("event frame = %+v, want a second push on the new connection", f)
	}
}

// A server-initiated disconnect makes the SDK connect again; frames go to
// one connection of several, picked at random, never to two.
func TestSDKStreamDisconnectAndLoadBalancing(t *testing.T) {
	sim, srv := newStreamSim(t, simdingtalk.StreamConfig{DisconnectGrace: 50 * time.Millisecond})
	var b1, b2 bots
	for _, b := range []*bots{&b1, &b2} {
		cli := sdkClient(t, srv.URL, secret(t))
		cli.RegisterChatBotCallbackRouter(b.handle)
		if err := cli.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both connections", func() bool { return len(sim.StreamConns()) == 2 })
	sim.StreamDisconnect()
	waitFor(t, "two new connections", func() bool { return sim.StreamConnects() == 4 && len(sim.StreamConns()) == 2 })
	for i := range 30 {
		id := sim.StreamBotMessage(groupMessage(sim, "负载均衡"))
		waitFor(t, "an ack", func() bool { return frame(sim, id).Outcome == simdingtalk.OutcomeAcked })
		if f := frame(sim, id); len(f.Conns) != 1 || f.Conns[0] <= 2 {
			t.Fatalf("message %d: %+v", i, f)
		}
	}
	if b1.count()+b2.count() != 30 || b1.count() == 0 || b2.count() == 0 {
		t.Errorf("split %d/%d; want 30 in all, some to each", b1.count(), b2.count())
	}
}
