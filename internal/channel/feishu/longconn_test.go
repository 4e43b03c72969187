package feishu

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	simfeishu "switchboard/internal/simulator/feishu"
)

func fragment(id string, sum, seq int, part string) larkws.Frame {
	return larkws.Frame{Method: int32(larkws.FrameTypeData), Payload: []byte(part), Headers: []larkws.Header{
		{Key: larkws.HeaderMessageID, Value: id}, {Key: larkws.HeaderSum, Value: strconv.Itoa(sum)}, {Key: larkws.HeaderSeq, Value: strconv.Itoa(seq)}}}
}

// Split payloads are joined in seq order whatever order the parts come
// in; parts whose siblings never come are forgotten after 5 s.
func TestFragmentsReassemble(t *testing.T) {
	m, now := fragments{}, time.Now()
	if p, ok := m.add(fragment("single", 1, 0, "whole"), now); !ok || string(p) != "whole" {
		t.Errorf("unsplit payload: %q %v", p, ok)
	}
	for _, seq := range []int{2, 0} {
		if _, ok := m.add(fragment("m1", 3, seq, []string{"a", "b", "c"}[seq]), now); ok {
			t.Fatalf("complete after part %d of 3", seq)
		}
	}
	m.add(fragment("stale", 2, 0, "x"), now)
	if p, ok := m.add(fragment("m1", 3, 1, "b"), now); !ok || string(p) != "abc" {
		t.Errorf("reassembled %q %v, want abc", p, ok)
	}
	if _, ok := m.add(fragment("bad", 2, 5, "x"), now); ok || m["bad"] != nil {
		t.Error("a part with seq ≥ sum was kept")
	}
	m.add(fragment("later", 2, 0, "y"), now.Add(fragmentTTL+time.Second))
	if _, kept := m["stale"]; kept || len(m) != 1 {
		t.Errorf("after the TTL: %v", m)
	}
}

// What the inbox shows for a click: the label the card gave the button,
// else the chosen option or typed text, else the value itself.
func TestCardActionDescribe(t *testing.T) {
	cases := []struct {
		name string
		ev   cardActionEvent
		want string
	}{
		{"label", action(map[string]any{"action": "confirm", "label": "确认"}, "", ""), "确认"},
		{"option", action(map[string]any{"key": "level"}, "p1", ""), "p1"},
		{"input", action(nil, "", "设备已复位"), "设备已复位"},
		{"bare value", action(map[string]any{"b": 2, "a": "x"}, "", ""), "a=x b=2"},
		{"nothing", action(nil, "", ""), "button"},
	}
	for _, c := range cases {
		if got := c.ev.describe(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func action(value map[string]any, option, input string) cardActionEvent {
	var ev cardActionEvent
	ev.Action.Value, ev.Action.Option, ev.Action.InputValue, ev.Action.Tag = value, option, input, "button"
	return ev
}

// longConnChannel is a started long_connection channel on a simulator.
func longConnChannel(t *testing.T, secret string, s *sink) (*conn, *simfeishu.Server) {
	t.Helper()
	fast := simfeishu.ClientConfig{ReconnectCount: -1, ReconnectInterval: 1, PingInterval: 1}
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_a", AppSecret: "sec",
		LongConn: simfeishu.LongConnConfig{Client: &fast, AckTimeout: 300 * time.Millisecond, MaxConnections: 1}})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return startOn(t, srv.URL, secret, s), sim
}

// startOn starts a long_connection channel of app cli_a at baseURL.
func startOn(t *testing.T, baseURL, secret string, s *sink) *conn {
	t.Helper()
	cfg := Config{AppID: "cli_a", AppSecret: secret, BaseURL: baseURL, Mode: ModeLongConnection}
	if err := cfg.normalize(); err != nil {
		t.Fatal(err)
	}
	c := newConn(model.Channel{ID: 7, Kind: Kind, Enabled: true}, cfg, channel.Env{Sink: s})
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx, s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return c
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A secret Feishu refuses marks the channel down at once, with Feishu's
// reason, and nothing connects.
func TestLongConnectionRefusedCredentialsMarkDown(t *testing.T) {
	c, sim := longConnChannel(t, "wrong", &sink{})
	eventually(t, "health down", func() bool { return c.Health().State == model.HealthDown })
	if h := c.Health(); !strings.Contains(h.LastError, "514") || len(sim.Connections()) != 0 {
		t.Errorf("health = %+v, connections %d", h, len(sim.Connections()))
	}
}

// An event the sink could not commit is acked 500, so the platform pushes
// it again, and the retry is committed and acked 200.
func TestLongConnectionFailedCommitIsPushedAgain(t *testing.T) {
	s := &sink{fail: errors.New("database is locked")}
	c, sim := longConnChannel(t, "sec", s)
	eventually(t, "the connection", func() bool { return len(sim.Connections()) == 1 && c.Health().State == model.HealthConnected })
	id := sim.PushEvent(sim.Events().MessageReceived(simfeishu.Message{ChatID: "oc_1", Text: "hi"}))
	eventually(t, "the failed ack", func() bool { p := sim.Pushes(); return len(p) == 1 && p[0].Code == http.StatusInternalServerError })
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	eventually(t, "the retry acked", func() bool { p := sim.Pushes(); return p[0].Acked })
	if p := sim.Pushes()[0]; p.MessageID != id || p.Pushes != 2 || len(s.stored()) != 1 {
		t.Errorf("push = %+v, stored %d", p, len(s.stored()))
	}
}

// Over Feishu's connection limit the channel says so in its health and
// keeps trying rather than giving up like the SDK.
func TestLongConnectionOverTheLimit(t *testing.T) {
	first, sim := longConnChannel(t, "sec", &sink{})
	eventually(t, "the first connection", func() bool { return first.Health().State == model.HealthConnected })
	second := startOn(t, first.cfg.BaseURL, "sec", &sink{})
	eventually(t, "the refusal", func() bool { return strings.Contains(second.Health().LastError, "limit") })
	if h := second.Health(); h.State != model.HealthDegraded || len(sim.Connections()) != 1 {
		t.Errorf("second channel health %+v, %d connections", h, len(sim.Connections()))
	}
}
