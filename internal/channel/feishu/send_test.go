package feishu

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simfeishu "switchboard/internal/simulator/feishu"
)

type sendFixture struct {
	sim  *simfeishu.Server
	conn *conn
	now  *clock
}

// clock is a settable time shared by the simulator and the channel.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newSendFixture(t *testing.T, extra map[string]string) *sendFixture {
	t.Helper()
	now := &clock{t: time.Now()}
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_test", AppSecret: "s3cret", Now: now.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	settings := map[string]string{"app_id": "cli_test", "app_secret": "s3cret", "verification_token": "vt", "base_url": srv.URL}
	for k, v := range extra {
		settings[k] = v
	}
	cfg, _, err := Driver{}.Prepare(settings)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Driver{}.New(model.Channel{ID: 3, Kind: Kind, Config: cfg}, channel.Env{Now: now.Now, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return &sendFixture{sim: sim, conn: ch.(*conn), now: now}
}

func (f *sendFixture) send(t *testing.T, m channel.Outbound) channel.Receipt {
	t.Helper()
	r, err := f.conn.Send(context.Background(), m)
	if err != nil || r.ExternalID == "" {
		t.Fatalf("send %+v: %+v %v", m, r, err)
	}
	return r
}

// invalidTokenAnswers counts the API calls the simulator refused for a stale token.
func (f *sendFixture) invalidTokenAnswers() int {
	n := 0
	for _, r := range f.sim.Requests() {
		if r.Code == simfeishu.CodeTokenInvalid {
			n++
		}
	}
	return n
}

func TestSendAddressesChatsAndUsers(t *testing.T) {
	f := newSendFixture(t, nil)
	cases := []struct{ dest, idType, id string }{
		{"oc_line3", "chat_id", "oc_line3"},
		{"chat_id:oc_2", "chat_id", "oc_2"},
		{"open_id:ou_x", "open_id", "ou_x"},
		{"ou_zhang", "open_id", "ou_zhang"},
		{"union_id:on_1", "union_id", "on_1"},
		{"user_id:zhang3", "user_id", "zhang3"},
		{"email:zhang@acme.cn", "email", "zhang@acme.cn"},
		{"li@acme.cn", "email", "li@acme.cn"},
	}
	for i, c := range cases {
		key := "sb-key-" + c.dest
		f.send(t, channel.Outbound{Destination: c.dest, Text: "已受理", IdemKey: key})
		got := f.sim.Sent()[i]
		if got.ReceiveIDType != c.idType || got.ReceiveID != c.id || got.UUID != UUID(key) || got.Content != `{"text":"已受理"}` {
			t.Errorf("%s: sent %+v", c.dest, got)
		}
	}
	if u := UUID(strings.Repeat("k", 500)); len(u) > 50 || u != UUID(strings.Repeat("k", 500)) || u == UUID("other") {
		t.Errorf("uuid %q: must be stable, distinct and at most 50 characters", u)
	}
	if f.sim.TokenRequests() != 1 {
		t.Errorf("%d token requests for %d sends; the token must be cached", f.sim.TokenRequests(), len(cases))
	}
	if h := f.conn.Health(); h.State != model.HealthConnected {
		t.Errorf("health = %+v", h)
	}
}

func TestARetriedSendIsDeliveredOnce(t *testing.T) {
	f := newSendFixture(t, nil)
	m := channel.Outbound{Destination: "oc_1", Text: "工程师已出发", IdemKey: "sb-delivery-9"}
	a, b := f.send(t, m), f.send(t, m)
	if a.ExternalID != b.ExternalID || len(f.sim.Sent()) != 1 {
		t.Fatalf("receipts %s/%s, %d delivered", a.ExternalID, b.ExternalID, len(f.sim.Sent()))
	}
}

func TestRevokedTokenIsRefreshedExactlyOnce(t *testing.T) {
	f := newSendFixture(t, nil)
	f.send(t, channel.Outbound{Destination: "oc_1", Text: "一", IdemKey: "k1"})
	f.sim.ExpireTokens()
	f.send(t, channel.Outbound{Destination: "oc_1", Text: "二", IdemKey: "k2"})
	f.send(t, channel.Outbound{Destination: "oc_1", Text: "三", IdemKey: "k3"})
	if f.sim.TokenRequests() != 2 || f.invalidTokenAnswers() != 1 || len(f.sim.Sent()) != 3 {
		t.Fatalf("%d token requests, %d stale-token answers, %d sent", f.sim.TokenRequests(), f.invalidTokenAnswers(), len(f.sim.Sent()))
	}
}

func TestTokenIsRefreshedBeforeItExpires(t *testing.T) {
	f := newSendFixture(t, nil)
	f.send(t, channel.Outbound{Destination: "oc_1", Text: "a", IdemKey: "k1"})
	f.now.Add(2*time.Hour - refreshMargin + time.Second) // inside the last 3 minutes
	f.send(t, channel.Outbound{Destination: "oc_1", Text: "b", IdemKey: "k2"})
	if f.sim.TokenRequests() != 2 || f.invalidTokenAnswers() != 0 {
		t.Fatalf("%d token requests, %d stale-token answers", f.sim.TokenRequests(), f.invalidTokenAnswers())
	}
}

func TestConcurrentSendsShareOneTokenFetch(t *testing.T) {
	f := newSendFixture(t, nil)
	f.sim.Faults.Add(1, simulator.Fault{Delay: 50 * time.Millisecond, Path: pathToken})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, err := f.conn.Send(context.Background(), channel.Outbound{Destination: "oc_1", Text: "x", IdemKey: string(rune('a' + i))}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.sim.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 16 concurrent sends", n)
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	cases := []struct {
		name      string
		fault     simulator.Fault
		dest      string
		permanent bool
		after     time.Duration
		state     model.HealthState // one chat refusing the bot says nothing about the channel
	}{
		{"throttled", simulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second}, "oc_1", false, 3 * time.Second, model.HealthDegraded},
		{"server error", simulator.Fault{Status: http.StatusServiceUnavailable}, "oc_1", false, 0, model.HealthDegraded},
		{"bot not in chat", simulator.Fault{}, "oc_gone", true, 0, model.HealthUnknown},
	}
	for _, c := range cases {
		f := newSendFixture(t, nil)
		f.sim.Refuse("oc_gone", simfeishu.CodeNotInChat, "bot is not in the chat")
		if c.fault.Status != 0 {
			f.sim.Faults.Add(1, simulator.Fault{Status: c.fault.Status, RetryAfter: c.fault.RetryAfter, Path: pathMessages})
		}
		_, err := f.conn.Send(context.Background(), channel.Outbound{Destination: c.dest, Text: "x", IdemKey: "k"})
		var ra *channel.RetryAfterError
		switch {
		case err == nil:
			t.Errorf("%s: no error", c.name)
		case errors.Is(err, channel.ErrPermanent) != c.permanent:
			t.Errorf("%s: permanent=%v: %v", c.name, !c.permanent, err)
		case c.after > 0 && (!errors.As(err, &ra) || ra.After != c.after):
			t.Errorf("%s: want retry after %s: %v", c.name, c.after, err)
		}
		if h := f.conn.Health(); h.State != c.state || h.ErrorCount != 1 {
			t.Errorf("%s: health %+v", c.name, h)
		}
	}
}

func TestWrongAppSecretIsPermanentAndMarksTheChannelDown(t *testing.T) {
	f := newSendFixture(t, nil)
	f.conn.cfg.AppSecret = "wrong"
	_, err := f.conn.Send(context.Background(), channel.Outbound{Destination: "oc_1", Text: "x", IdemKey: "k"})
	if !errors.Is(err, channel.ErrPermanent) || !errors.Is(err, errCredentials) {
		t.Fatalf("err = %v", err)
	}
	if h := f.conn.Health(); h.State != model.HealthDown || !strings.Contains(h.LastError, "credentials") {
		t.Errorf("health = %+v", h)
	}
}

func TestReplyToAMessage(t *testing.T) {
	for _, thread := range []string{"", "true"} {
		f := newSendFixture(t, map[string]string{"reply_in_thread": thread})
		cb := &simfeishu.Callbacks{Server: f.sim}
		cb.MessageReceived(simfeishu.Message{MessageID: "om_in", ChatID: "oc_g", ChatType: "group", Text: "求助"})
		f.send(t, channel.Outbound{Destination: "oc_g", ReplyTo: "om_in", Text: "马上处理", IdemKey: "r1"})
		got := f.sim.SentTo("oc_g")
		if len(got) != 1 || got[0].Op != "reply" || got[0].ParentID != "om_in" || got[0].ReplyInThread != (thread == "true") || got[0].UUID != UUID("r1") {
			t.Errorf("reply_in_thread=%q: %+v", thread, got)
		}
	}
}

func TestCardsAreUpdatedInPlace(t *testing.T) {
	f := newSendFixture(t, map[string]string{"send_as": "card"})
	r := f.send(t, channel.Outbound{Destination: "oc_1", Text: "工单 #42：处理中", IdemKey: "c1"})
	if got := f.sim.Sent()[0]; got.MsgType != "interactive" || !strings.Contains(got.Content, `"update_multi":true`) {
		t.Fatalf("sent %+v", got)
	}
	if err := f.conn.Update(context.Background(), r, channel.Outbound{Text: "工单 #42：已解决"}); err != nil {
		t.Fatal(err)
	}
	if content, _ := f.sim.Content(r.ExternalID); !strings.Contains(content, "已解决") || strings.Contains(content, "处理中") {
		t.Errorf("card now %s", content)
	}
	text := newSendFixture(t, nil)
	if err := text.conn.Update(context.Background(), r, channel.Outbound{Text: "x"}); !errors.Is(err, channel.ErrUnsupported) {
		t.Errorf("text channel Update = %v, want ErrUnsupported", err)
	}
}
