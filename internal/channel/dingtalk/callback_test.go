package dingtalk

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

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// sink is intake in miniature: it dedupes on the external id like the
// store's unique (channel, external id).
type sink struct {
	mu    sync.Mutex
	envs  []model.Envelope
	calls int
	fail  error
}

func (s *sink) Accept(_ context.Context, env model.Envelope) (channel.Accepted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return channel.Accepted{}, s.fail
	}
	for _, e := range s.envs {
		if e.ExternalID == env.ExternalID {
			return channel.Accepted{Duplicate: true}, nil
		}
	}
	s.envs = append(s.envs, env)
	return channel.Accepted{InboxID: int64(len(s.envs))}, nil
}

func (s *sink) stored() []model.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Envelope(nil), s.envs...)
}

// hookFixture is one DingTalk channel behind an HTTP server, and the
// simulator's generator posting callbacks to it.
type hookFixture struct {
	conn     *conn
	sink     *sink
	srv      *httptest.Server
	cb       *simdingtalk.Callbacks
	mu       sync.Mutex
	rejected []string
}

func newHookFixture(t *testing.T, extra ...string) *hookFixture {
	t.Helper()
	f := &hookFixture{sink: &sink{}}
	settings := map[string]string{"app_key": "dingtest", "app_secret": "s3cret"}
	for i := 0; i+1 < len(extra); i += 2 {
		settings[extra[i]] = extra[i+1]
	}
	cfg, _, err := Driver{}.Prepare(settings)
	if err != nil {
		t.Fatal(err)
	}
	env := channel.Env{Sink: f.sink, MaxBodyBytes: 64 << 10, SignatureSkew: 5 * time.Minute, Now: time.Now,
		Rejected: func(kind, reason string) {
			f.mu.Lock()
			f.rejected = append(f.rejected, kind+"/"+reason)
			f.mu.Unlock()
		}}
	ch, err := Driver{}.New(model.Channel{ID: 7, Kind: Kind, Config: cfg, Enabled: true}, env)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = ch.(*conn)
	f.srv = httptest.NewServer(f.conn)
	t.Cleanup(f.srv.Close)
	f.cb = &simdingtalk.Callbacks{URL: f.srv.URL, AppSecret: "s3cret", RobotCode: "dingtest"}
	return f
}

func (f *hookFixture) request(t *testing.T, payload any, ts time.Time) *http.Request {
	t.Helper()
	req, err := f.cb.Request(context.Background(), payload, ts)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// raw posts body as is, with valid headers signed now.
func (f *hookFixture) raw(t *testing.T, body []byte) *http.Request {
	req, _ := http.NewRequest("POST", f.srv.URL, bytes.NewReader(body))
	req.Header = f.request(t, struct{}{}, time.Now()).Header
	return req
}

// errorCode is the catalogue code of an error answer.
func errorCode(body string) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func TestRefusedCallbacksStoreNothing(t *testing.T) {
	f := newHookFixture(t)
	msg := f.cb.Message(simdingtalk.Message{ConversationType: "2", Text: "设备报警"})
	now := time.Now()
	wrongSig := f.request(t, msg, now)
	wrongSig.Header.Set(HeaderSign, "AAAA"+wrongSig.Header.Get(HeaderSign)[4:])
	otherApp := *f.cb
	otherApp.AppSecret = "someone-else"
	otherSig, _ := otherApp.Request(context.Background(), msg, now)
	noSign := f.request(t, msg, now)
	noSign.Header.Del(HeaderSign)
	noTimestamp := f.request(t, msg, now)
	noTimestamp.Header.Del(HeaderTimestamp)
	noMsgID, noConv, badContent := msg, msg, msg
	noMsgID.MsgID, noConv.ConversationID = "", ""
	badContent.MsgType, badContent.Text, badContent.Content = "picture", nil, json.RawMessage(`"x"`)
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"wrong sign", wrongSig, 401, "SB-1001"},
		{"signed with another app's secret", otherSig, 401, "SB-1001"},
		{"no sign header", noSign, 401, "SB-1001"},
		{"no timestamp header", noTimestamp, 401, "SB-1002"},
		{"two hours old", f.request(t, msg, now.Add(-2*time.Hour)), 401, "SB-1002"},
		{"two hours ahead", f.request(t, msg, now.Add(2*time.Hour)), 401, "SB-1002"},
		{"not JSON", f.raw(t, []byte(`{"msgId":`)), 400, "SB-1003"},
		{"no msgId", f.request(t, noMsgID, now), 400, "SB-1007"},
		{"no conversationId", f.request(t, noConv, now), 400, "SB-1007"},
		{"content not an object", f.request(t, badContent, now), 400, "SB-1003"},
		{"too large", f.raw(t, bytes.Repeat([]byte("a"), 65<<10)), 413, "SB-1004"},
	}
	for _, c := range cases {
		a, err := f.cb.Do(c.req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != c.status || errorCode(a.Body) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.Status, a.Body, c.status, c.code)
		}
	}
	if got := f.sink.stored(); len(got) != 0 || f.sink.calls != 0 {
		t.Errorf("refused callbacks reached intake: %+v", got)
	}
	if len(f.rejected) != len(cases) || f.rejected[0] != "dingtalk/bad_signature" || f.rejected[3] != "dingtalk/stale_timestamp" {
		t.Errorf("rejected metric: %v", f.rejected)
	}
	if h := f.conn.Health(); h.State != model.HealthDegraded || h.ErrorCount != int64(len(cases)) || h.LastError == "" {
		t.Errorf("health after refusals = %+v", h)
	}
}

func TestGroupMessageIsNormalizedAndStoredOnceHoweverOftenPushed(t *testing.T) {
	f := newHookFixture(t)
	sent := time.UnixMilli(time.Now().Add(-time.Minute).UnixMilli())
	msg := f.cb.Message(simdingtalk.Message{MsgID: "msgABC==", ConversationType: "2", ConversationID: "cidLine3==", Title: "三号线报修群",
		SenderStaffID: "li4", SenderNick: "李四", Text: " @王工 三号线设备报警", CreateAt: sent,
		AtUsers: []simdingtalk.AtUser{{DingtalkID: "$:LWCP_v1:$wang", StaffID: "wang5"}}})
	answers, err := f.cb.PostTimes(context.Background(), msg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range answers {
		if a.Status != 200 || strings.Contains(a.Body, `"duplicate":true`) != (i > 0) || strings.Contains(a.Body, "msgtype") {
			t.Errorf("push %d: %d %s", i, a.Status, a.Body)
		}
	}
	got := f.sink.stored()
	if len(got) != 1 || f.sink.calls != 3 {
		t.Fatalf("stored %d envelopes in %d Accept calls", len(got), f.sink.calls)
	}
	e := got[0]
	if e.ChannelID != 7 || e.ExternalID != "msgABC==" || e.ConvID != "cidLine3==" || e.ConvTitle != "三号线报修群" || e.SenderID != "li4" ||
		e.SenderName != "李四" || e.Kind != model.KindText || e.Text != "@王工 三号线设备报警" || !e.SentAt.Equal(sent) {
		t.Errorf("envelope = %+v", e)
	}
	if rt, known, live := f.conn.routes.get("cidLine3=="); !known || !live || !rt.group || rt.webhook != msg.SessionWebhook {
		t.Errorf("route = %+v known=%v live=%v", rt, known, live)
	}
	if h := f.conn.Health(); h.State != model.HealthConnected || h.LastEventAt.IsZero() || h.ErrorCount != 0 {
		t.Errorf("health = %+v", h)
	}
}

func TestSingleChatRemembersTheStaffIDAndNoTitle(t *testing.T) {
	f := newHookFixture(t)
	msg := f.cb.Message(simdingtalk.Message{ConversationType: "1", Title: "ignored", SenderStaffID: "zhang3", SenderNick: "张三", Text: "你好"})
	if a, _ := f.cb.Post(context.Background(), msg); a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	if e := f.sink.stored()[0]; e.ConvTitle != "" || e.SenderID != "zhang3" || e.ConvID != msg.ConversationID {
		t.Errorf("envelope = %+v", e)
	}
	if rt, _, _ := f.conn.routes.get(msg.ConversationID); rt.group || rt.staffID != "zhang3" {
		t.Errorf("route = %+v", rt)
	}
}

func TestRobotsOwnMessageIsAcknowledgedNotStored(t *testing.T) {
	f := newHookFixture(t)
	a, err := f.cb.Post(context.Background(), f.cb.Message(simdingtalk.Message{FromRobot: true, Text: "我是机器人"}))
	if err != nil || a.Status != 200 || !strings.Contains(a.Body, "ignored") || f.sink.calls != 0 {
		t.Errorf("%d %s %v, %d Accept calls", a.Status, a.Body, err, f.sink.calls)
	}
}

func TestForeignSessionWebhookIsNotTrusted(t *testing.T) {
	f := newHookFixture(t)
	msg := f.cb.Message(simdingtalk.Message{ConversationType: "2", ConversationID: "cidX", Text: "hi"})
	msg.SessionWebhook = "https://attacker.example/robot/sendBySession?session=1"
	if a, _ := f.cb.Post(context.Background(), msg); a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	if rt, known, live := f.conn.routes.get("cidX"); !known || live || rt.webhook != "" {
		t.Errorf("a webhook outside oapi_base_url was kept: %+v", rt)
	}
}

func TestUnstoredMessageIsNotAcknowledgedAndItsRetryIsStored(t *testing.T) {
	f := newHookFixture(t)
	f.sink.fail = errcode.Unavailable
	msg := f.cb.Message(simdingtalk.Message{Text: "停机了"})
	a, _ := f.cb.Post(context.Background(), msg)
	if a.Status != 503 {
		t.Fatalf("intake failing: %d %s", a.Status, a.Body)
	}
	if _, known, _ := f.conn.routes.get(msg.ConversationID); known {
		t.Error("an unstored message taught a route")
	}
	f.sink.mu.Lock()
	f.sink.fail = nil
	f.sink.mu.Unlock()
	if a, _ := f.cb.Post(context.Background(), msg); a.Status != 200 || len(f.sink.stored()) != 1 {
		t.Fatalf("retry: %d %s, %d stored", a.Status, a.Body, len(f.sink.stored()))
	}
}
