package feishu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/internal/simulator"
)

type fixture struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
}

func newFixture(t *testing.T, cfg Config) *fixture {
	if cfg.AppID == "" {
		cfg.AppID, cfg.AppSecret = "cli_sim", "secret-1"
	}
	sim := NewServer(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{t: t, sim: sim, srv: srv}
}

type answer struct {
	status int
	header http.Header
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	Token  string          `json:"tenant_access_token"`
	Expire int             `json:"expire"`
}

func (f *fixture) call(method, path, token string, body any) answer {
	f.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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
	a := f.call("POST", "/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{"app_id": "cli_sim", "app_secret": "secret-1"})
	if a.Code != 0 || a.Token == "" || a.Expire <= 0 {
		f.t.Fatalf("token: %+v", a)
	}
	return a.Token
}

func messageID(t *testing.T, a answer) string {
	t.Helper()
	var d struct {
		MessageID string `json:"message_id"`
		ChatID    string `json:"chat_id"`
	}
	if a.Code != 0 || json.Unmarshal(a.Data, &d) != nil || d.MessageID == "" {
		t.Fatalf("answer: %+v %s", a, a.Data)
	}
	return d.MessageID
}

func TestTokenEndpointChecksCredentialsAndReusesLiveTokens(t *testing.T) {
	f := newFixture(t, Config{})
	for _, c := range []struct {
		name, id, secret string
		code             int
	}{{"wrong secret", "cli_sim", "nope", CodeBadSecret}, {"unknown app", "cli_other", "secret-1", CodeBadAppID}} {
		a := f.call("POST", "/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{"app_id": c.id, "app_secret": c.secret})
		if a.Code != c.code || a.Token != "" {
			t.Errorf("%s: %+v", c.name, a)
		}
	}
	first, second := f.token(), f.token()
	if first != second || f.sim.TokenRequests() != 2 {
		t.Errorf("a 2 h token was not reused: %q then %q", first, second)
	}
	f.sim.ExpireTokens()
	a := f.call("POST", "/open-apis/im/v1/messages?receive_id_type=chat_id", first, map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": Text("hi")})
	if a.Code != CodeTokenInvalid {
		t.Fatalf("expired token: %+v", a)
	}
	if third := f.token(); third == first {
		t.Error("the same token was issued after expiry")
	}
}

func TestShortTokenTTLExpires(t *testing.T) {
	now := time.Now()
	f := newFixture(t, Config{TokenTTL: time.Minute, Now: func() time.Time { return now }})
	tok := f.token()
	now = now.Add(61 * time.Second)
	a := f.call("POST", "/open-apis/im/v1/messages?receive_id_type=chat_id", tok, map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": Text("hi")})
	if a.Code != CodeTokenInvalid {
		t.Fatalf("token used after its TTL: %+v", a)
	}
}

func TestSendIsIdempotentByUUIDForAnHour(t *testing.T) {
	now := time.Now()
	f := newFixture(t, Config{Now: func() time.Time { return now }})
	tok := f.token()
	body := map[string]string{"receive_id": "ou_zhang", "msg_type": "text", "content": Text("已受理"), "uuid": "u-1"}
	path := "/open-apis/im/v1/messages?receive_id_type=open_id"
	a, b := messageID(t, f.call("POST", path, tok, body)), messageID(t, f.call("POST", path, tok, body))
	if a != b || len(f.sim.Sent()) != 1 {
		t.Fatalf("same uuid: ids %s/%s, %d delivered", a, b, len(f.sim.Sent()))
	}
	got := f.sim.Sent()[0]
	if got.ReceiveIDType != "open_id" || got.ReceiveID != "ou_zhang" || got.UUID != "u-1" || got.Content != Text("已受理") {
		t.Errorf("recorded %+v", got)
	}
	now = now.Add(uuidWindow)
	if c := messageID(t, f.call("POST", path, tok, body)); c == a || len(f.sim.Sent()) != 2 {
		t.Error("uuid still deduplicated after an hour")
	}
}

func TestSendRefusesBadRequests(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	f.sim.Refuse("oc_gone", CodeNotInChat, "bot is not in the chat")
	long := string(bytes.Repeat([]byte("u"), 51))
	cases := []struct {
		name, idType string
		body         map[string]string
		code         int
	}{
		{"bad id type", "phone", map[string]string{"receive_id": "x", "msg_type": "text", "content": Text("hi")}, CodeBadField},
		{"no receive id", "chat_id", map[string]string{"msg_type": "text", "content": Text("hi")}, CodeBadField},
		{"content not JSON", "chat_id", map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": "hi"}, CodeBadContent},
		{"empty text", "chat_id", map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": `{"text":""}`}, CodeBadContent},
		{"uuid over 50", "chat_id", map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": Text("hi"), "uuid": long}, CodeBadField},
		{"bot not in chat", "chat_id", map[string]string{"receive_id": "oc_gone", "msg_type": "text", "content": Text("hi")}, CodeNotInChat},
	}
	for _, c := range cases {
		a := f.call("POST", "/open-apis/im/v1/messages?receive_id_type="+c.idType, tok, c.body)
		if a.Code != c.code || a.status != http.StatusBadRequest {
			t.Errorf("%s: %d %+v", c.name, a.status, a)
		}
	}
	if n := len(f.sim.Sent()); n != 0 {
		t.Errorf("%d refused sends recorded", n)
	}
}

func TestReplyResolvesTheChatOfACallbackMessage(t *testing.T) {
	f := newFixture(t, Config{})
	cb := &Callbacks{Server: f.sim}
	ev := cb.MessageReceived(Message{MessageID: "om_in1", ChatID: "oc_group", ChatType: "group", Text: "设备报警"})
	if ev.Header.EventType != "im.message.receive_v1" || ev.Header.EventID == "" {
		t.Fatalf("event header %+v", ev.Header)
	}
	tok := f.token()
	body := map[string]any{"msg_type": "text", "content": Text("收到"), "uuid": "r-1", "reply_in_thread": true}
	id := messageID(t, f.call("POST", "/open-apis/im/v1/messages/om_in1/reply", tok, body))
	sent := f.sim.SentTo("oc_group")
	if len(sent) != 1 || sent[0].MessageID != id || sent[0].ParentID != "om_in1" || !sent[0].ReplyInThread || sent[0].Op != "reply" {
		t.Fatalf("sent = %+v", sent)
	}
	if a := f.call("POST", "/open-apis/im/v1/messages/om_unknown/reply", tok, body); a.Code != CodeNoMessage {
		t.Errorf("reply to an unknown message: %+v", a)
	}
}

func TestPatchUpdatesOnlySharedCardsTheAppSent(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	card := `{"config":{"update_multi":true},"elements":[{"tag":"div","text":{"tag":"plain_text","content":"处理中"}}]}`
	done := `{"config":{"update_multi":true},"elements":[{"tag":"div","text":{"tag":"plain_text","content":"已解决"}}]}`
	send := func(msgType, content string) string {
		return messageID(t, f.call("POST", "/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
			map[string]string{"receive_id": "oc_1", "msg_type": msgType, "content": content}))
	}
	cardID, textID := send("interactive", card), send("text", Text("hi"))
	soloID := send("interactive", `{"elements":[]}`)
	for _, c := range []struct {
		name, id, content string
		code              int
	}{
		{"shared card", cardID, done, 0},
		{"text message", textID, done, CodeBadContent},
		{"card without update_multi", soloID, done, CodeBadContent},
		{"new content without update_multi", cardID, `{"elements":[]}`, CodeBadContent},
		{"unknown message", "om_nope", done, CodeNoMessage},
	} {
		if a := f.call("PATCH", "/open-apis/im/v1/messages/"+c.id, tok, map[string]string{"content": c.content}); a.Code != c.code {
			t.Errorf("%s: %+v", c.name, a)
		}
	}
	if got, _ := f.sim.Content(cardID); got != done {
		t.Errorf("card content = %s", got)
	}
	if s := f.sim.Sent(); s[len(s)-1].Op != "update" || s[len(s)-1].MessageID != cardID {
		t.Errorf("update not recorded: %+v", s[len(s)-1])
	}
}

func TestFaultsAnswerLikeFeishu(t *testing.T) {
	f := newFixture(t, Config{})
	tok := f.token()
	f.sim.Faults.Add(1, simulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second})
	f.sim.Faults.Add(1, simulator.Fault{Status: http.StatusServiceUnavailable})
	f.sim.Faults.Add(1, simulator.Fault{Delay: 150 * time.Millisecond})
	body := map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": Text("hi")}
	path := "/open-apis/im/v1/messages?receive_id_type=chat_id"
	a := f.call("POST", path, tok, body)
	if a.status != 429 || a.Code != CodeRateLimited || a.header.Get("x-ogw-ratelimit-reset") != "3" {
		t.Errorf("429 fault: %d %+v %v", a.status, a, a.header)
	}
	if a := f.call("POST", path, tok, body); a.status != 503 {
		t.Errorf("503 fault: %+v", a)
	}
	start := time.Now()
	messageID(t, f.call("POST", path, tok, body))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("delayed answer came after %s", d)
	}
	reqs := f.sim.Requests()
	if len(reqs) != 4 || reqs[1].Status != 429 || reqs[1].Code != CodeRateLimited || reqs[3].Status != 200 {
		t.Errorf("request log %+v", reqs)
	}
}

func TestInspectionAndFaultsOverHTTP(t *testing.T) {
	f := newFixture(t, Config{})
	resp, err := http.Post(f.srv.URL+"/_sim/faults", "application/json", bytes.NewReader([]byte(`{"count":1,"status":500}`)))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_sim/faults: %v %v", resp, err)
	}
	if a := f.call("POST", "/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{}); a.status != 500 {
		t.Fatalf("scripted 500: %+v", a)
	}
	tok := f.token()
	messageID(t, f.call("POST", "/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
		map[string]string{"receive_id": "oc_1", "msg_type": "text", "content": Text("你好"), "uuid": "x"}))
	resp, err = http.Get(f.srv.URL + "/_sim/sent")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Items         []Sent `json:"items"`
		TokenRequests int    `json:"token_requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Items) != 1 || got.Items[0].ChatID != "oc_1" || got.TokenRequests != 1 {
		t.Fatalf("/_sim/sent: %+v %v", got, err)
	}
}
