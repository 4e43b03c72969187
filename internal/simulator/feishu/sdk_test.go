package feishu

// Cross-checks (issue 5 point 6): the official SDK's own long-connection
// client, frame codec and event dispatcher against this simulator, so the
// fake cannot drift from what the SDK — and so the real platform — speaks.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"
)

func TestFramesMatchTheSDKCodec(t *testing.T) {
	frames := []Frame{
		{Service: 7001, Method: MethodControl, Headers: []FrameHeader{{"type", "ping"}}},
		{SeqID: 9, LogID: 10, Service: 7001, Method: MethodData, Payload: []byte(`{"schema":"2.0"}`),
			Headers: []FrameHeader{{"type", "event"}, {"message_id", "m1"}, {"sum", "2"}, {"seq", "1"}, {"trace_id", "t"}}},
		{SeqID: 1 << 40, Method: MethodData, LogIDNew: "log-new", PayloadType: "json"},
	}
	for i, f := range frames {
		var sdk larkws.Frame
		if err := sdk.Unmarshal(f.Marshal()); err != nil {
			t.Fatalf("frame %d: the SDK cannot decode the simulator's frame: %v", i, err)
		}
		hs := larkws.Headers(sdk.Headers)
		if sdk.SeqID != f.SeqID || sdk.Service != f.Service || sdk.Method != f.Method || string(sdk.Payload) != string(f.Payload) ||
			sdk.LogIDNew != f.LogIDNew || len(sdk.Headers) != len(f.Headers) || (len(f.Headers) > 0 && hs.GetString("type") != f.Header("type")) {
			t.Errorf("frame %d: SDK decoded %+v from %+v", i, sdk, f)
		}
		b, _ := sdk.Marshal()
		back, err := UnmarshalFrame(b)
		if err != nil || back.SeqID != f.SeqID || back.Header("type") != f.Header("type") || string(back.Payload) != string(f.Payload) {
			t.Errorf("frame %d: simulator decoded the SDK's frame as %+v, %v", i, back, err)
		}
	}
	if _, err := UnmarshalFrame([]byte{0x08, 0x01}); err == nil {
		t.Error("a frame without its required fields was accepted")
	}
}

// sdkClient starts the official ws client. Its Start never returns once
// connected (select {}) and it cannot be closed or disconnected without
// racing with its own ping loop (connID, conn), so a connected client is
// left open until the test binary exits. Auto-reconnect is off and pongs
// are empty: with either, the v3.9.4 client races with itself too (see
// LongConnConfig.EmptyPongs).
func sdkClient(t *testing.T, baseURL, secret string, d *dispatcher.EventDispatcher) <-chan error {
	t.Helper()
	cli := larkws.NewClient("cli_sim", secret, larkws.WithEventHandler(d), larkws.WithDomain(baseURL),
		larkws.WithAutoReconnect(false), larkws.WithLogLevel(larkcore.LogLevelError))
	errc := make(chan error, 1)
	go func() { errc <- cli.Start(context.Background()) }()
	return errc
}

func longConnSim(t *testing.T, lc LongConnConfig) (*Server, *httptest.Server) {
	lc.EmptyPongs = true
	sim := NewServer(Config{AppID: "cli_sim", AppSecret: "secret-1", LongConn: lc})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close) // not sim.Close: see sdkClient
	return sim, srv
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The SDK's client bootstraps, connects, hands an event to its dispatcher as a typed im.message.receive_v1, and acks
// it; an event its handler failed is pushed again after the ack timeout.
func TestSDKClientReceivesAndAcksPushedEvents(t *testing.T) {
	// Not fragmented: the v3.9.4 client reassembles fragments from one
	// goroutine per frame into a shared slice, unlocked (a data race, and
	// lost fragments); the adapter's own client is tested with fragments.
	sim, srv := longConnSim(t, LongConnConfig{AckTimeout: 300 * time.Millisecond})
	got := make(chan *larkim.P2MessageReceiveV1, 4)
	var calls atomic.Int32
	d := dispatcher.NewEventDispatcher("", "").OnP2MessageReceiveV1(func(_ context.Context, ev *larkim.P2MessageReceiveV1) error {
		if calls.Add(1) == 2 {
			return errors.New("handler failed once")
		}
		got <- ev
		return nil
	})
	sdkClient(t, srv.URL, "secret-1", d)
	waitFor(t, "the SDK's connection", func() bool { return len(sim.Connections()) == 1 })

	long := strings.Repeat("三号线设备报警 ", 40)
	first := sim.Events().MessageReceived(Message{ChatID: "oc_line3", ChatType: "group", Sender: UserID{OpenID: "ou_li4"}, Text: long})
	sim.PushEvent(first)
	ev := <-got
	m := ev.Event.Message
	if *m.ChatId != "oc_line3" || *m.ChatType != "group" || *m.MessageType != "text" || !strings.Contains(*m.Content, "三号线设备报警") ||
		*ev.Event.Sender.SenderId.OpenId != "ou_li4" || ev.EventV2Base.Header.EventID != first.Header.EventID {
		t.Errorf("the SDK read the pushed event as %+v / %+v", m, ev.EventV2Base.Header)
	}
	sim.PushEvent(sim.Events().MessageReceived(Message{Text: "第二条"}))
	<-got // pushed twice: the handler failed the first time
	waitFor(t, "both acks", func() bool {
		p := sim.Pushes()
		return len(p) == 2 && p[0].Acked && p[1].Acked
	})
	p := sim.Pushes()
	if p[0].Pushes != 1 || p[0].Code != 200 || p[0].BizRT == "" || p[1].Pushes != 2 {
		t.Errorf("pushes = %+v; want the first acked once with biz_rt, the failed one pushed again", p)
	}
}

// Wrong credentials are a client error the SDK does not retry; so is the
// 51st connection, refused with Handshake-Autherrcode 1000040350.
func TestSDKClientRefusals(t *testing.T) {
	sim, srv := longConnSim(t, LongConnConfig{MaxConnections: 1})
	d := dispatcher.NewEventDispatcher("", "")
	var ce *larkws.ClientError
	if err := <-sdkClient(t, srv.URL, "wrong-secret", d); !errors.As(err, &ce) || ce.Code != CodeWSAuthFailed {
		t.Errorf("bad secret: %v, want client error %d", err, CodeWSAuthFailed)
	}
	sdkClient(t, srv.URL, "secret-1", d)
	waitFor(t, "the first connection", func() bool { return len(sim.Connections()) == 1 })
	if err := <-sdkClient(t, srv.URL, "secret-1", d); !errors.As(err, &ce) || ce.Code != CodeWSAuthFailed {
		t.Errorf("over the limit: %v, want client error %d", err, CodeWSAuthFailed)
	}
	if sim.RefusedHandshakes() != 1 || len(sim.Connections()) != 1 {
		t.Errorf("refused %d handshakes, %d connections", sim.RefusedHandshakes(), len(sim.Connections()))
	}
}

// The simulator's card.action.trigger parses with the SDK's own callback
// model, operator, action value and card context included.
func TestCardActionParsesWithTheSDKDispatcher(t *testing.T) {
	ev := (&Callbacks{AppID: "cli_sim"}).CardAction(CardAction{Operator: UserID{OpenID: "ou_zhang3"}, MessageID: "om_card",
		ChatID: "oc_line3", Value: map[string]any{"action": "confirm", "label": "确认"}})
	var seen *callback.CardActionTriggerEvent
	d := dispatcher.NewEventDispatcher("", "").OnP2CardActionTrigger(func(_ context.Context, e *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
		seen = e
		return &callback.CardActionTriggerResponse{}, nil
	})
	b, _ := json.Marshal(ev)
	if _, err := d.Do(context.Background(), b); err != nil || seen == nil {
		t.Fatalf("dispatcher: %v", err)
	}
	e := seen.Event
	if e.Operator.OpenID != "ou_zhang3" || e.Action.Value["label"] != "确认" || e.Action.Tag != "button" ||
		e.Context.OpenChatID != "oc_line3" || e.Context.OpenMessageID != "om_card" || e.Token == "" {
		t.Errorf("SDK read %+v / %+v / %+v", e.Operator, e.Action, e.Context)
	}
}
