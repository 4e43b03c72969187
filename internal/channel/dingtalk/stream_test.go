package dingtalk

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// streamConn starts a Stream-mode channel against sim with the given
// sink; the connection lives until the returned cancel.
func streamConn(t *testing.T, sim *simdingtalk.Server, url string, s channel.Sink, enabled bool) (*conn, context.CancelFunc) {
	t.Helper()
	cfg, _, err := Driver{}.Prepare(map[string]string{"app_key": "dingstream", "app_secret": "stream-secret", "mode": "stream",
		"base_url": url, "oapi_base_url": url})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Driver{}.New(model.Channel{ID: 9, Kind: Kind, Config: cfg, Enabled: enabled}, channel.Env{Sink: s, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := ch.Start(ctx, s); err != nil {
		t.Fatal(err)
	}
	return ch.(*conn), cancel
}

func newSim(t *testing.T, sc simdingtalk.StreamConfig) (*simdingtalk.Server, string) {
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingstream", AppSecret: "stream-secret", Stream: sc})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sim.SetURL(srv.URL)
	return sim, srv.URL
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func frameOf(sim *simdingtalk.Server, id string) simdingtalk.FrameRecord {
	f, _ := sim.StreamFrame(id)
	return f
}

// A message whose commit fails is not acked 200, so a platform that
// re-pushes gets it stored later; an event is acked SUCCESS.
func TestStreamAcksOnlyAfterCommit(t *testing.T) {
	sim, url := newSim(t, simdingtalk.StreamConfig{RedeliverCallbacks: true, RetryDelay: 30 * time.Millisecond})
	s := &sink{fail: errors.New("disk full")}
	c, _ := streamConn(t, sim, url, s, true)
	eventually(t, "the connection", func() bool { return len(sim.StreamConns()) == 1 })
	cb := (&simdingtalk.Callbacks{RobotCode: "dingstream", Server: sim}).Message(simdingtalk.Message{Text: "报警"})
	id := sim.StreamBotMessage(cb)
	eventually(t, "a refused attempt", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.calls >= 2 })
	if f := frameOf(sim, id); f.Outcome == simdingtalk.OutcomeAcked {
		t.Fatalf("acked while the commit failed: %+v", f)
	}
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	eventually(t, "the ack", func() bool { return frameOf(sim, id).Outcome == simdingtalk.OutcomeAcked })
	if got := s.stored(); len(got) != 1 || got[0].ExternalID != cb.MsgID {
		t.Errorf("stored %+v", got)
	}
	if _, _, live := c.routes.get(cb.ConversationID); !live {
		t.Error("the frame's sessionWebhook was not recorded for replies")
	}
	ev := sim.StreamEvent("user_add_org", map[string]any{"userId": []string{"li4"}})
	eventually(t, "the event's ack", func() bool { return frameOf(sim, ev).Outcome == simdingtalk.OutcomeAcked })
	if f := frameOf(sim, ev); f.AckData != `{"status":"SUCCESS","message":"success"}` {
		t.Errorf("event ack = %+v", f)
	}
}

// Stopping the channel (node shutdown, channel updated) closes the
// connection for good; a disabled channel never opens one.
func TestStreamStopsWithItsContext(t *testing.T) {
	sim, url := newSim(t, simdingtalk.StreamConfig{})
	c, stop := streamConn(t, sim, url, &sink{}, true)
	eventually(t, "the connection", func() bool { return len(sim.StreamConns()) == 1 })
	if h := c.Health(); h.State != model.HealthConnected {
		t.Errorf("health = %+v", h)
	}
	stop()
	eventually(t, "the close", func() bool { return len(sim.StreamConns()) == 0 })
	time.Sleep(2 * streamRetryMin)
	if n := sim.StreamConnects(); n != 1 {
		t.Errorf("%d connections after stop; want no reconnect", n)
	}
	streamConn(t, sim, url, &sink{}, false)
	time.Sleep(100 * time.Millisecond)
	if n := sim.StreamConnects(); n != 1 {
		t.Errorf("a disabled channel connected")
	}
}

// A drop degrades the channel until it is back; the retry is quick.
func TestStreamDropDegradesThenReconnects(t *testing.T) {
	sim, url := newSim(t, simdingtalk.StreamConfig{})
	c, _ := streamConn(t, sim, url, &sink{}, true)
	eventually(t, "the connection", func() bool { return len(sim.StreamConns()) == 1 })
	sim.StreamDrop()
	eventually(t, "degraded", func() bool { return c.Health().State == model.HealthDegraded })
	start := time.Now()
	eventually(t, "the reconnect", func() bool { return sim.StreamConnects() == 2 && c.Health().State == model.HealthConnected })
	if d := time.Since(start); d > 2*streamRetryMin {
		t.Errorf("reconnected after %s", d)
	}
}

func TestRetryWaitGrowsWithJitterToAMinute(t *testing.T) {
	for _, c := range []struct {
		failures int
		lo, hi   time.Duration
	}{{1, 375 * time.Millisecond, 625 * time.Millisecond}, {2, 750 * time.Millisecond, 1250 * time.Millisecond},
		{8, 45 * time.Second, 75 * time.Second}, {40, 45 * time.Second, 75 * time.Second}} {
		for range 20 {
			if d := retryWait(c.failures); d < c.lo || d > c.hi {
				t.Errorf("retryWait(%d) = %s, want %s..%s", c.failures, d, c.lo, c.hi)
			}
		}
	}
}
