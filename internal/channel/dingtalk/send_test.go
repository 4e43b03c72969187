package dingtalk

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
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

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

// sendFixture is a channel whose both base URLs point at the simulator,
// and a generator whose callbacks reach the channel directly.
type sendFixture struct {
	sim  *simdingtalk.Server
	conn *conn
	cb   *simdingtalk.Callbacks
	now  *clock
}

func newSendFixture(t *testing.T, extra ...string) *sendFixture {
	t.Helper()
	now := &clock{t: time.Now()}
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingtest", AppSecret: "s3cret", Now: now.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sim.SetURL(srv.URL)
	settings := map[string]string{"app_key": "dingtest", "app_secret": "s3cret", "base_url": srv.URL, "oapi_base_url": srv.URL}
	for i := 0; i+1 < len(extra); i += 2 {
		settings[extra[i]] = extra[i+1]
	}
	cfg, _, err := Driver{}.Prepare(settings)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Driver{}.New(model.Channel{ID: 3, Kind: Kind, Config: cfg}, channel.Env{Sink: &sink{}, Now: now.Now, Client: srv.Client(), MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c := ch.(*conn)
	hook := httptest.NewServer(c)
	t.Cleanup(hook.Close)
	cb := &simdingtalk.Callbacks{URL: hook.URL, AppSecret: "s3cret", RobotCode: "dingtest", Server: sim, Now: now.Now}
	return &sendFixture{sim: sim, conn: c, cb: cb, now: now}
}

// receive posts a message from the platform to the channel.
func (f *sendFixture) receive(t *testing.T, m simdingtalk.Message) simdingtalk.Callback {
	t.Helper()
	cb := f.cb.Message(m)
	if a, err := f.cb.Post(context.Background(), cb); err != nil || a.Status != 200 {
		t.Fatalf("callback: %d %s %v", a.Status, a.Body, err)
	}
	return cb
}

func (f *sendFixture) send(t *testing.T, dest, text string) channel.Receipt {
	t.Helper()
	r, err := f.conn.Send(context.Background(), channel.Outbound{Destination: dest, Text: text, IdemKey: "k-" + text})
	if err != nil {
		t.Fatalf("send %s %q: %v", dest, text, err)
	}
	return r
}

func (f *sendFixture) last(t *testing.T) simdingtalk.Sent {
	t.Helper()
	s := f.sim.Sent()
	if len(s) == 0 {
		t.Fatal("nothing sent")
	}
	return s[len(s)-1]
}

func TestRepliesUseTheSessionWebhookUntilItExpires(t *testing.T) {
	f := newSendFixture(t)
	f.receive(t, simdingtalk.Message{ConversationType: "2", ConversationID: "cid-g", Text: "设备报警"})
	single := f.receive(t, simdingtalk.Message{ConversationType: "1", SenderStaffID: "zhang3", Text: "你好"})
	f.send(t, "cid-g", "已收到")
	f.send(t, single.ConversationID, "您好")
	if s := f.sim.SentTo("cid-g"); len(s) != 1 || s[0].Op != "session" || s[0].Text != "已收到" {
		t.Errorf("group reply: %+v", s)
	}
	if s := f.sim.SentTo(single.ConversationID); len(s) != 1 || s[0].Op != "session" || f.sim.TokenRequests() != 0 {
		t.Errorf("single reply: %+v, %d token requests", s, f.sim.TokenRequests())
	}
	f.now.Add(90*time.Minute - webhookMargin) // the last minute: not used any more
	r := f.send(t, "cid-g", "工程师已出发")
	if got := f.last(t); got.Op != "group" || got.ConversationID != "cid-g" || got.MsgKey != "sampleText" || got.Text != "工程师已出发" || r.ExternalID != got.ProcessQueryKey {
		t.Errorf("after expiry: %+v, receipt %+v", got, r)
	}
	f.send(t, single.ConversationID, "稍等")
	if got := f.last(t); got.Op != "oto" || len(got.UserIDs) != 1 || got.UserIDs[0] != "zhang3" {
		t.Errorf("1:1 after expiry: %+v", got)
	}
	if n := len(f.sim.Requests()); n != 5 { // 2 sessions, 1 token, 2 proactive: no try at the dead webhooks
		t.Errorf("%d requests: %+v", n, f.sim.Requests())
	}
}

func TestARefusedSessionFallsBackToTheProactiveAPI(t *testing.T) {
	for _, c := range []struct {
		name  string
		spoil func(*simdingtalk.Server)
	}{
		{"expired early", func(s *simdingtalk.Server) { s.ExpireSessions() }},
		{"throttled", func(s *simdingtalk.Server) {
			s.Faults.Add(1, simulator.Fault{Status: http.StatusTooManyRequests, Path: "/robot/sendBySession"})
		}},
	} {
		f := newSendFixture(t)
		f.receive(t, simdingtalk.Message{ConversationType: "2", ConversationID: "cid-g", Text: "设备报警"})
		c.spoil(f.sim)
		f.send(t, "cid-g", "已收到")
		if s := f.sim.SentTo("cid-g"); len(s) != 1 || s[0].Op != "group" {
			t.Errorf("%s: %+v", c.name, s)
		}
		if _, _, live := f.conn.routes.get("cid-g"); live && c.name == "expired early" {
			t.Errorf("%s: the refused webhook is still used", c.name)
		}
	}
}

func TestExplicitAndUnknownDestinations(t *testing.T) {
	f := newSendFixture(t)
	cases := []struct{ dest, op, conv, user string }{
		{"user:li4", "oto", "", "li4"},
		{"group:cid-ops", "group", "cid-ops", ""},
		{"cid-never-heard", "group", "cid-never-heard", ""},
	}
	for _, c := range cases {
		f.send(t, c.dest, "通知 "+c.dest)
		got := f.last(t)
		if got.Op != c.op || got.ConversationID != c.conv || (c.user != "" && got.UserIDs[0] != c.user) {
			t.Errorf("%s: %+v", c.dest, got)
		}
	}
	if f.sim.TokenRequests() != 1 {
		t.Errorf("%d token requests; the token must be cached", f.sim.TokenRequests())
	}
	for _, dest := range []string{"", "user:", "webhook"} {
		if _, err := f.conn.Send(context.Background(), channel.Outbound{Destination: dest, Text: "x"}); !errors.Is(err, channel.ErrPermanent) {
			t.Errorf("destination %q: %v", dest, err)
		}
	}
}

func TestTokenIsRefreshedOnceWhenRevokedAndBeforeExpiry(t *testing.T) {
	f := newSendFixture(t)
	f.send(t, "group:cid-1", "一")
	f.sim.ExpireTokens()
	f.send(t, "group:cid-1", "二")
	f.send(t, "group:cid-1", "三")
	if f.sim.TokenRequests() != 2 || f.sim.CountCode(simdingtalk.CodeTokenInvalid) != 1 || len(f.sim.Sent()) != 3 {
		t.Fatalf("%d token requests, %d stale-token answers, %d sent", f.sim.TokenRequests(), f.sim.CountCode(simdingtalk.CodeTokenInvalid), len(f.sim.Sent()))
	}
	f.now.Add(2*time.Hour - tokenMargin + time.Second)
	f.send(t, "group:cid-1", "四")
	if f.sim.TokenRequests() != 3 || f.sim.CountCode(simdingtalk.CodeTokenInvalid) != 1 {
		t.Errorf("refresh before expiry: %d token requests, %d stale answers", f.sim.TokenRequests(), f.sim.CountCode(simdingtalk.CodeTokenInvalid))
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	cases := []struct {
		name      string
		fault     simulator.Fault
		dest      string
		permanent bool
		after     time.Duration
		state     model.HealthState // one unreachable user says nothing about the channel
	}{
		{"throttled 90018", simulator.Fault{Status: 429}, "group:cid-1", false, throttleWait, model.HealthDegraded},
		{"throttled with Retry-After", simulator.Fault{Status: 429, RetryAfter: 5 * time.Second}, "group:cid-1", false, 5 * time.Second, model.HealthDegraded},
		{"server error", simulator.Fault{Status: 503}, "group:cid-1", false, 0, model.HealthDegraded},
		{"robot not in group", simulator.Fault{}, "group:cid-left", true, 0, model.HealthUnknown},
		{"unknown staff", simulator.Fault{}, "user:gone", true, 0, model.HealthConnected}, // the call itself worked
		{"flow-controlled user", simulator.Fault{}, "user:busy", false, flowControlWait, model.HealthDegraded},
	}
	for _, c := range cases {
		f := newSendFixture(t)
		f.sim.Refuse("cid-left")
		f.sim.Refuse("gone")
		f.sim.FlowControl("busy", 1)
		if c.fault.Status != 0 {
			c.fault.Path = "/v1.0/robot/"
			f.sim.Faults.Add(1, c.fault)
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
	f := newSendFixture(t)
	f.conn.cfg.AppSecret = "wrong"
	_, err := f.conn.Send(context.Background(), channel.Outbound{Destination: "group:cid-1", Text: "x"})
	if !errors.Is(err, channel.ErrPermanent) || !errors.Is(err, errCredentials) {
		t.Fatalf("err = %v", err)
	}
	if h := f.conn.Health(); h.State != model.HealthDown || !strings.Contains(h.LastError, "credentials") {
		t.Errorf("health = %+v", h)
	}
}

func TestCustomRobotWebhookIsSigned(t *testing.T) {
	f := newSendFixture(t, "webhook_token", "tok-ops", "webhook_secret", "SECops")
	f.sim.AddCustomRobot("tok-ops", "SECops", "cid-ops")
	f.send(t, "webhook", "夜间巡检完成")
	if s := f.sim.SentTo("cid-ops"); len(s) != 1 || s[0].Op != "webhook" || s[0].Text != "夜间巡检完成" {
		t.Fatalf("sent %+v", s)
	}
	f.sim.Faults.Add(1, simulator.Fault{Status: 429, Path: "/robot/send"})
	_, err := f.conn.Send(context.Background(), channel.Outbound{Destination: "webhook", Text: "again"})
	var ra *channel.RetryAfterError
	if !errors.As(err, &ra) || ra.After != customRobotHold {
		t.Errorf("130101: %v", err)
	}
	f.conn.cfg.WebhookSecret = "SECwrong"
	if _, err := f.conn.Send(context.Background(), channel.Outbound{Destination: "webhook", Text: "x"}); !errors.Is(err, channel.ErrPermanent) {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestCardsAreCreatedOnceAndUpdatedInPlace(t *testing.T) {
	f := newSendFixture(t, "send_as", "card", "card_template_id", "tpl.schema")
	f.receive(t, simdingtalk.Message{ConversationType: "2", ConversationID: "cid-g", Text: "报修"})
	m := channel.Outbound{Destination: "cid-g", Text: "工单 #42：处理中", IdemKey: "delivery-42"}
	a, err := f.conn.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.conn.Send(context.Background(), m) // a retry after a lost answer
	if a.ExternalID != OutTrackID("delivery-42") || b.ExternalID != a.ExternalID || len(f.sim.SentTo("cid-g")) != 1 {
		t.Fatalf("receipts %+v %+v, sent %+v", a, b, f.sim.Sent())
	}
	if err := f.conn.Update(context.Background(), a, channel.Outbound{Text: "工单 #42：已解决"}); err != nil {
		t.Fatal(err)
	}
	if card, _ := f.sim.Card(a.ExternalID); card.Params["content"] != "工单 #42：已解决" || card.SpaceType != "IM_GROUP" || card.TemplateID != "tpl.schema" {
		t.Errorf("card %+v", card)
	}
	f.send(t, "user:zhang3", "您的工单已解决")
	if got := f.sim.SentTo("user:zhang3"); len(got) != 1 || got[0].Op != "card_create" {
		t.Errorf("1:1 card: %+v", got)
	}
	text := newSendFixture(t)
	if err := text.conn.Update(context.Background(), a, channel.Outbound{Text: "x"}); !errors.Is(err, channel.ErrUnsupported) {
		t.Errorf("text channel Update = %v, want ErrUnsupported", err)
	}
}
