package dingtalk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"switchboard/internal/simulator"
)

type fixture struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
	now *clock
}

// clock is a settable time.
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

func newFixture(t *testing.T, cfg Config) *fixture {
	now := &clock{t: time.Now()}
	cfg.AppKey, cfg.AppSecret, cfg.Now = "dingsimkey", "sim-secret", now.Now
	sim := NewServer(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sim.SetURL(srv.URL)
	return &fixture{t: t, sim: sim, srv: srv, now: now}
}

// answer is any DingTalk answer, both generations' fields.
type answer struct {
	status  int
	header  http.Header
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Errcode int             `json:"errcode"`
	Errmsg  string          `json:"errmsg"`
	Token   string          `json:"accessToken"`
	Expire  int             `json:"expireIn"`
	PQK     string          `json:"processQueryKey"`
	Invalid []string        `json:"invalidStaffIdList"`
	Flow    []string        `json:"flowControlledStaffIdList"`
	Result  json.RawMessage `json:"result"`
}

func (f *fixture) call(method, target, token string, body any) answer {
	f.t.Helper()
	b, _ := json.Marshal(body)
	if u, err := url.Parse(target); err == nil && u.Host == "" {
		target = f.srv.URL + target
	}
	req, _ := http.NewRequest(method, target, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("x-acs-dingtalk-access-token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	json.NewDecoder(resp.Body).Decode(&a)
	return a
}

func (f *fixture) token() string {
	f.t.Helper()
	a := f.call("POST", "/v1.0/oauth2/accessToken", "", map[string]string{"appKey": "dingsimkey", "appSecret": "sim-secret"})
	if a.status != 200 || a.Token == "" || a.Expire <= 0 {
		f.t.Fatalf("token: %+v", a)
	}
	return a.Token
}

func text(s string) string { return string(mustJSON(map[string]string{"content": s})) }

func TestTokensAreCheckedReusedAndExpire(t *testing.T) {
	f := newFixture(t, Config{TokenTTL: time.Minute})
	if a := f.call("POST", "/v1.0/oauth2/accessToken", "", map[string]string{"appKey": "dingsimkey", "appSecret": "nope"}); a.status != 400 || a.Token != "" {
		t.Errorf("wrong secret: %+v", a)
	}
	first, second := f.token(), f.token()
	legacy := f.call("GET", "/gettoken?appkey=dingsimkey&appsecret=sim-secret", "", nil)
	if first != second || f.sim.TokenRequests() != 3 || legacy.Errcode != 0 {
		t.Errorf("a live token was not reused: %q %q, legacy %+v", first, second, legacy)
	}
	group := map[string]string{"robotCode": "dingsimkey", "openConversationId": "cid1", "msgKey": "sampleText", "msgParam": text("hi")}
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", first, group); a.status != 200 || a.PQK == "" {
		t.Fatalf("send with a live token: %+v", a)
	}
	f.now.Add(61 * time.Second)
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", first, group); a.status != 401 || a.Code != CodeTokenInvalid {
		t.Errorf("token used after its TTL: %+v", a)
	}
	fresh := f.token()
	f.sim.ExpireTokens()
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", fresh, group); a.status != 401 || fresh == first {
		t.Errorf("revoked token: %+v", a)
	}
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", "", group); a.status != 401 {
		t.Errorf("no token: %+v", a)
	}
}

func TestProactiveSendsReportUnreachableAndThrottledUsers(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	f.sim.Refuse("gone")
	f.sim.FlowControl("busy", 1)
	body := map[string]any{"robotCode": "dingsimkey", "userIds": []string{"zhang3", "gone", "busy"}, "msgKey": "sampleText", "msgParam": text("工单已受理")}
	a := f.call("POST", "/v1.0/robot/oToMessages/batchSend", tok, body)
	if a.status != 200 || a.PQK == "" || len(a.Invalid) != 1 || a.Invalid[0] != "gone" || len(a.Flow) != 1 || a.Flow[0] != "busy" {
		t.Fatalf("batchSend: %+v", a)
	}
	if got := f.sim.SentTo("user:zhang3"); len(got) != 1 || got[0].Text != "工单已受理" || len(got[0].UserIDs) != 1 {
		t.Errorf("sent to zhang3: %+v", got)
	}
	if again := f.call("POST", "/v1.0/robot/oToMessages/batchSend", tok, body); len(again.Flow) != 0 || len(f.sim.SentTo("user:busy")) != 1 {
		t.Errorf("flow control lasted longer than scripted: %+v", again)
	}
	cases := []struct {
		name string
		body map[string]any
	}{
		{"other robot", map[string]any{"robotCode": "dingother", "userIds": []string{"a"}, "msgKey": "sampleText", "msgParam": text("x")}},
		{"no users", map[string]any{"robotCode": "dingsimkey", "userIds": []string{}, "msgKey": "sampleText", "msgParam": text("x")}},
		{"unknown msgKey", map[string]any{"robotCode": "dingsimkey", "userIds": []string{"a"}, "msgKey": "sampleHTML", "msgParam": text("x")}},
		{"msgParam not JSON", map[string]any{"robotCode": "dingsimkey", "userIds": []string{"a"}, "msgKey": "sampleText", "msgParam": "x"}},
		{"markdown without title", map[string]any{"robotCode": "dingsimkey", "userIds": []string{"a"}, "msgKey": "sampleMarkdown", "msgParam": text("x")}},
	}
	for _, c := range cases {
		if a := f.call("POST", "/v1.0/robot/oToMessages/batchSend", tok, c.body); a.status != 400 || a.Code != CodeBadParameter {
			t.Errorf("%s: %+v", c.name, a)
		}
	}
}

func TestGroupSendNeedsAGroupTheRobotIsIn(t *testing.T) {
	f := newFixture(t, Config{})
	cb := &Callbacks{Server: f.sim, RobotCode: "dingsimkey"}
	cb.Message(Message{ConversationType: "1", ConversationID: "cid-single", Text: "hi"})
	cb.Message(Message{ConversationType: "2", ConversationID: "cid-group", Title: "三号线", Text: "hi"})
	f.sim.Refuse("cid-left")
	tok := f.token()
	send := func(cid string) answer {
		return f.call("POST", "/v1.0/robot/groupMessages/send", tok, map[string]string{"robotCode": "dingsimkey",
			"openConversationId": cid, "msgKey": "sampleMarkdown", "msgParam": `{"title":"工单","text":"**已解决**"}`})
	}
	if a := send("cid-group"); a.status != 200 || len(f.sim.SentTo("cid-group")) != 1 || f.sim.SentTo("cid-group")[0].Text != "**已解决**" {
		t.Errorf("group send: %+v %+v", a, f.sim.Sent())
	}
	if a := send("cid-single"); a.status != 400 || a.Code != CodeBadParameter {
		t.Errorf("a single chat's cid: %+v", a)
	}
	if a := send("cid-left"); a.status != 400 || a.Code != CodeNotInGroup {
		t.Errorf("a group the robot left: %+v", a)
	}
}

func TestSessionWebhookIsValidUntilItsExpiry(t *testing.T) {
	f := newFixture(t, Config{SessionTTL: 10 * time.Minute})
	cb := &Callbacks{Server: f.sim, RobotCode: "dingsimkey"}
	m := cb.Message(Message{ConversationType: "2", ConversationID: "cid-g", Text: "设备报警"})
	if want := f.now.Now().Add(10 * time.Minute).UnixMilli(); m.SessionWebhookExpiredTime != want {
		t.Errorf("expiry %d, want %d", m.SessionWebhookExpiredTime, want)
	}
	reply := map[string]any{"msgtype": "text", "text": map[string]string{"content": "收到"}, "at": map[string]any{"atUserIds": []string{"li4"}}}
	if a := f.call("POST", m.SessionWebhook, "", reply); a.Errcode != 0 {
		t.Fatalf("reply in session: %+v", a)
	}
	if got := f.sim.SentTo("cid-g"); len(got) != 1 || got[0].Op != "session" || got[0].Text != "收到" || got[0].At[0] != "li4" {
		t.Errorf("sent %+v", got)
	}
	if a := f.call("POST", m.SessionWebhook, "", map[string]any{"msgtype": "text", "text": map[string]string{}}); a.Errcode == 0 {
		t.Errorf("empty text accepted")
	}
	f.now.Add(10 * time.Minute)
	if a := f.call("POST", m.SessionWebhook, "", reply); a.status != 200 || a.Errcode != ErrcodeNoToken {
		t.Errorf("expired session: %+v", a)
	}
	fresh := cb.Message(Message{ConversationType: "2", ConversationID: "cid-g", Text: "again"})
	f.sim.ExpireSessions()
	if a := f.call("POST", fresh.SessionWebhook, "", reply); a.Errcode != ErrcodeNoToken || len(f.sim.Sent()) != 1 {
		t.Errorf("ExpireSessions: %+v", a)
	}
}

func TestCustomRobotChecksItsSign(t *testing.T) {
	f := newFixture(t, Config{})
	f.sim.AddCustomRobot("tok-signed", "SECabc", "cid-ops")
	f.sim.AddCustomRobot("tok-keyword", "", "cid-ops")
	post := func(token string, ts time.Time, sign string) answer {
		ms := strconv.FormatInt(ts.UnixMilli(), 10)
		if sign == "" {
			sign = Sign(ms, "SECabc")
		}
		q := url.Values{"access_token": {token}, "timestamp": {ms}, "sign": {sign}}
		return f.call("POST", "/robot/send?"+q.Encode(), "", map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": "报警", "text": "三号线停机"}})
	}
	now := f.now.Now()
	cases := []struct {
		name    string
		a       answer
		errcode int
	}{
		{"signed", post("tok-signed", now, ""), 0},
		{"keyword robot needs no sign", post("tok-keyword", now, "whatever"), 0},
		{"wrong sign", post("tok-signed", now, "AAAA"), ErrcodeBadSign},
		{"two hours old", post("tok-signed", now.Add(-2*time.Hour), ""), ErrcodeBadSign},
		{"unknown token", post("tok-nope", now, ""), ErrcodeNoToken},
	}
	for _, c := range cases {
		if c.a.status != 200 || c.a.Errcode != c.errcode {
			t.Errorf("%s: %+v", c.name, c.a)
		}
	}
	if got := f.sim.SentTo("cid-ops"); len(got) != 2 || got[0].Op != "webhook" || got[0].Text != "三号线停机" {
		t.Errorf("sent %+v", got)
	}
}

func TestCardsAreCreatedOnceAndUpdatedByOutTrackID(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	create := map[string]any{"cardTemplateId": "tpl.schema", "outTrackId": "sb-1", "openSpaceId": "dtv1.card//IM_GROUP.cid-g",
		"imGroupOpenDeliverModel": map[string]string{"robotCode": "dingsimkey"},
		"cardData":                map[string]any{"cardParamMap": map[string]string{"content": "处理中", "title": "工单 42"}}}
	for range 2 {
		if a := f.call("POST", "/v1.0/card/instances/createAndDeliver", tok, create); a.status != 200 {
			t.Fatalf("create: %+v", a)
		}
	}
	update := map[string]any{"outTrackId": "sb-1", "cardData": map[string]any{"cardParamMap": map[string]string{"content": "已解决"}},
		"cardUpdateOptions": map[string]bool{"updateCardDataByKey": true}}
	if a := f.call("PUT", "/v1.0/card/instances", tok, update); a.status != 200 {
		t.Fatalf("update: %+v", a)
	}
	c, _ := f.sim.Card("sb-1")
	if c.Params["content"] != "已解决" || c.Params["title"] != "工单 42" || len(f.sim.SentTo("cid-g")) != 1 {
		t.Errorf("card %+v, sent %+v", c, f.sim.Sent())
	}
	update["outTrackId"] = "sb-nope"
	if a := f.call("PUT", "/v1.0/card/instances", tok, update); a.status != 400 || a.Code != CodeNoCard {
		t.Errorf("unknown card: %+v", a)
	}
	bad := []map[string]any{
		{"cardTemplateId": "tpl", "outTrackId": "x", "openSpaceId": "IM_GROUP.cid", "imGroupOpenDeliverModel": map[string]string{"robotCode": "dingsimkey"}},
		{"cardTemplateId": "tpl", "outTrackId": "x", "openSpaceId": "dtv1.card//IM_ROBOT.zhang3"},
		{"cardTemplateId": "tpl", "outTrackId": "x", "openSpaceId": "dtv1.card//IM_GROUP.cid", "imGroupOpenDeliverModel": map[string]string{"robotCode": "dingsimkey"},
			"cardData": map[string]any{"cardParamMap": map[string]any{"n": 1}}},
	}
	for i, b := range bad {
		if a := f.call("POST", "/v1.0/card/instances/createAndDeliver", tok, b); a.status != 400 {
			t.Errorf("bad create %d: %+v", i, a)
		}
	}
}

func TestFaultsAnswerLikeDingTalk(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	cb := &Callbacks{Server: f.sim, RobotCode: "dingsimkey"}
	m := cb.Message(Message{ConversationType: "2", ConversationID: "cid-g", Text: "x"})
	f.sim.Faults.Add(1, simulator.Fault{Status: 429, RetryAfter: 2 * time.Second, Path: "/v1.0/robot/"})
	f.sim.Faults.Add(1, simulator.Fault{Status: 429, Path: "/robot/sendBySession"})
	f.sim.Faults.Add(1, simulator.Fault{Status: 503, Path: "/v1.0/robot/"})
	f.sim.Faults.Add(1, simulator.Fault{Delay: 100 * time.Millisecond, Path: "/v1.0/robot/"})
	group := map[string]string{"robotCode": "dingsimkey", "openConversationId": "cid-g", "msgKey": "sampleText", "msgParam": text("hi")}
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", tok, group); a.status != 429 || a.Code != CodeThrottled || a.header.Get("Retry-After") != "2" {
		t.Errorf("throttled: %+v %v", a, a.header)
	}
	if a := f.call("POST", m.SessionWebhook, "", map[string]any{"msgtype": "text", "text": map[string]string{"content": "x"}}); a.status != 200 || a.Errcode != ErrcodeSendTooFast {
		t.Errorf("webhook throttled: %+v", a)
	}
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", tok, group); a.status != 503 {
		t.Errorf("503: %+v", a)
	}
	start := time.Now()
	if a := f.call("POST", "/v1.0/robot/groupMessages/send", tok, group); a.status != 200 || time.Since(start) < 100*time.Millisecond {
		t.Errorf("delayed: %+v after %s", a, time.Since(start))
	}
	if n := f.sim.CountCode(CodeThrottled); n != 1 || f.sim.CountCode("130101") != 1 || len(f.sim.Sent()) != 1 {
		t.Errorf("request log: %+v", f.sim.Requests())
	}
}

func TestInspectionAndFaultsOverHTTP(t *testing.T) {
	f := newFixture(t, Config{})
	resp, err := http.Post(f.srv.URL+"/_sim/faults", "application/json", bytes.NewReader([]byte(`{"count":1,"status":500,"path":"/v1.0/oauth2/"}`)))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_sim/faults: %v %v", resp, err)
	}
	if a := f.call("POST", "/v1.0/oauth2/accessToken", "", map[string]string{}); a.status != 500 {
		t.Fatalf("scripted 500: %+v", a)
	}
	tok := f.token()
	f.call("POST", "/v1.0/robot/groupMessages/send", tok, map[string]string{"robotCode": "dingsimkey", "openConversationId": "cid-1", "msgKey": "sampleText", "msgParam": text("你好")})
	resp, err = http.Get(f.srv.URL + "/_sim/sent")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Items         []Sent `json:"items"`
		TokenRequests int    `json:"token_requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Items) != 1 || got.Items[0].Text != "你好" || got.TokenRequests != 1 {
		t.Fatalf("/_sim/sent: %+v %v", got, err)
	}
}
