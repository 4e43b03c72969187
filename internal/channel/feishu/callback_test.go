package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	simfeishu "switchboard/internal/simulator/feishu"
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

// hookFixture is one Feishu channel behind an HTTP server, and a simulator
// posting callbacks to it.
type hookFixture struct {
	conn     *conn
	sink     *sink
	srv      *httptest.Server
	cb       *simfeishu.Callbacks
	mu       sync.Mutex
	rejected []string
}

func newHookFixture(t *testing.T, encryptKey string) *hookFixture {
	t.Helper()
	f := &hookFixture{sink: &sink{}}
	settings := map[string]string{"app_id": "cli_test", "app_secret": "s3cret", "verification_token": "vtoken", "encrypt_key": encryptKey}
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
	f.cb = &simfeishu.Callbacks{URL: f.srv.URL, AppID: "cli_test", VerificationToken: "vtoken", EncryptKey: encryptKey}
	return f
}

// signedRequest posts body as is, correctly signed with key at ts.
func (f *hookFixture) signedRequest(key string, body []byte, ts time.Time) *http.Request {
	req, _ := http.NewRequest("POST", f.srv.URL, bytes.NewReader(body))
	s := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set(HeaderTimestamp, s)
	req.Header.Set(HeaderNonce, "nonce")
	req.Header.Set(HeaderSignature, simfeishu.Sign(s, "nonce", key, body))
	return req
}

func (f *hookFixture) request(t *testing.T, cb *simfeishu.Callbacks, payload any, sign bool) *http.Request {
	t.Helper()
	req, err := cb.Request(context.Background(), payload, sign)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (f *hookFixture) text(s string) simfeishu.Event {
	return f.cb.MessageReceived(simfeishu.Message{ChatID: "oc_line3", ChatType: "group", Text: s})
}

// errorCode is the catalogue code of an error answer.
func errorCode(body string) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func TestRefusedCallbacksStoreNothing(t *testing.T) {
	f := newHookFixture(t, "enc-key")
	ev := f.text("设备报警")
	other := *f.cb
	other.EncryptKey = "not-the-key"
	badToken := *f.cb
	badToken.VerificationToken = "someone-else"
	plain := *f.cb
	plain.EncryptKey = ""
	stale := *f.cb
	stale.Now = func() time.Time { return time.Now().Add(-25 * time.Hour) }
	wrongSig := f.request(t, f.cb, ev, true)
	wrongSig.Header.Set(HeaderSignature, strings.Repeat("0", 64))
	// Another validly sealed body under the original request's signature.
	enc, _ := simfeishu.Encrypt("enc-key", []byte(`{"schema":"2.0","header":{"event_id":"e-x","token":"vtoken"}}`))
	tampered := f.signedRequest("enc-key", []byte(`{"encrypt":"`+enc+`"}`), time.Now())
	tampered.Header.Set(HeaderSignature, f.request(t, f.cb, ev, true).Header.Get(HeaderSignature))
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"wrong signature", wrongSig, 401, "SB-1001"},
		{"ciphertext swapped under a signature", tampered, 401, "SB-1001"},
		{"signed and sealed with another key", f.request(t, &other, ev, true), 401, "SB-1001"},
		{"unsigned event", f.request(t, f.cb, ev, false), 401, "SB-1001"},
		{"wrong verification token", f.request(t, f.cb, badToken.MessageReceived(simfeishu.Message{Text: "x"}), true), 401, "SB-1001"},
		{"a day old", f.request(t, &stale, ev, true), 401, "SB-1002"},
		{"garbled ciphertext, valid signature", f.signedRequest("enc-key", []byte(`{"encrypt":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`), time.Now()), 400, "SB-1003"},
		{"not base64, valid signature", f.signedRequest("enc-key", []byte(`{"encrypt":"%%%"}`), time.Now()), 400, "SB-1003"},
		{"plaintext to an encrypted channel", f.request(t, &plain, ev, false), 400, "SB-1003"},
		{"not JSON", f.signedRequest("enc-key", []byte(`{"encrypt":`), time.Now()), 400, "SB-1003"},
		{"too large", f.signedRequest("enc-key", bytes.Repeat([]byte("a"), 65<<10), time.Now()), 413, "SB-1004"},
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
	if len(f.rejected) != len(cases) || f.rejected[0] != "feishu/bad_signature" {
		t.Errorf("rejected metric: %v", f.rejected)
	}
	if h := f.conn.Health(); h.State != model.HealthDegraded || h.ErrorCount != int64(len(cases)) || h.LastError == "" {
		t.Errorf("health after refusals = %+v", h)
	}
}

func TestRefusedPlaintextCallbacks(t *testing.T) {
	f := newHookFixture(t, "")
	badToken := *f.cb
	badToken.VerificationToken = "nope"
	sealed := *f.cb
	sealed.EncryptKey = "some-key"
	noEventID := map[string]any{"schema": "2.0", "header": map[string]string{"token": "vtoken", "event_type": eventMessageReceive}}
	noMessageID := f.text("hi")
	noMessageID.Event = json.RawMessage(`{"sender":{"sender_id":{"open_id":"ou_1"},"sender_type":"user"},"message":{"chat_id":"oc_1","message_type":"text","content":"{\"text\":\"hi\"}"}}`)
	badContent := f.text("hi")
	badContent.Event = json.RawMessage(`{"sender":{"sender_id":{"open_id":"ou_1"},"sender_type":"user"},"message":{"message_id":"om_1","chat_id":"oc_1","message_type":"text","content":"hi"}}`)
	cases := []struct {
		name    string
		cb      *simfeishu.Callbacks
		payload any
		status  int
		code    string
	}{
		{"wrong verification token", f.cb, badToken.MessageReceived(simfeishu.Message{Text: "x"}), 401, "SB-1001"},
		{"wrong handshake token", &badToken, map[string]string{"type": "url_verification", "challenge": "c", "token": "nope"}, 401, "SB-1001"},
		{"encrypted, but no key on the channel", &sealed, f.text("hi"), 400, "SB-1003"},
		{"schema 2.0 without event id", f.cb, noEventID, 400, "SB-1007"},
		{"message without message_id", f.cb, noMessageID, 400, "SB-1007"},
		{"content not JSON", f.cb, badContent, 400, "SB-1003"},
	}
	for _, c := range cases {
		a, err := f.cb.Do(f.request(t, c.cb, c.payload, true))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != c.status || errorCode(a.Body) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.Status, a.Body, c.status, c.code)
		}
	}
	if got := f.sink.stored(); len(got) != 0 {
		t.Errorf("refused callbacks stored: %+v", got)
	}
}

func TestURLVerificationAnswersTheChallenge(t *testing.T) {
	for _, key := range []string{"", "enc-key"} {
		f := newHookFixture(t, key)
		a, err := f.cb.Verify(context.Background())
		if err != nil || a.Status != 200 {
			t.Errorf("encrypt_key %q: %d %s %v", key, a.Status, a.Body, err)
		}
		if f.sink.calls != 0 {
			t.Errorf("the handshake reached intake")
		}
	}
}

func TestMessageIsNormalizedAndStoredOnceHoweverOftenPushed(t *testing.T) {
	f := newHookFixture(t, "enc-key")
	sent := time.UnixMilli(time.Now().Add(-time.Minute).UnixMilli())
	ev := f.cb.MessageReceived(simfeishu.Message{MessageID: "om_1", ChatID: "oc_line3", ChatType: "group",
		Sender: simfeishu.UserID{OpenID: "ou_li", UserID: "li4"}, Text: "@_user_1 三号线设备报警", CreateTime: sent,
		Mentions: []simfeishu.Mention{{Key: "@_user_1", ID: simfeishu.UserID{OpenID: "ou_bot"}, Name: "客服助手"}}})
	ctx := context.Background()
	answers, err := f.cb.PostTimes(ctx, ev, 3)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.cb.Post(ctx, f.cb.Repushed(ev))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range append(answers, again) {
		if a.Status != 200 || strings.Contains(a.Body, `"duplicate":true`) != (i > 0) {
			t.Errorf("push %d: %d %s", i, a.Status, a.Body)
		}
	}
	got := f.sink.stored()
	if len(got) != 1 || f.sink.calls != 2 { // the same event id is answered from memory
		t.Fatalf("stored %d envelopes in %d Accept calls", len(got), f.sink.calls)
	}
	e := got[0]
	if e.ChannelID != 7 || e.ExternalID != "om_1" || e.ConvID != "oc_line3" || e.SenderID != "ou_li" ||
		e.Kind != model.KindText || e.Text != "@客服助手 三号线设备报警" || !e.SentAt.Equal(sent) {
		t.Errorf("envelope = %+v", e)
	}
	if h := f.conn.Health(); h.State != model.HealthConnected || h.LastEventAt.IsZero() || h.ErrorCount != 0 {
		t.Errorf("health = %+v", h)
	}
}

func TestBotMessagesAndOtherEventsAreAcknowledgedNotStored(t *testing.T) {
	f := newHookFixture(t, "enc-key")
	bot := f.cb.MessageReceived(simfeishu.Message{SenderType: "app", Text: "我是机器人"})
	other := f.text("x")
	other.Header.EventType = "im.chat.member.bot.added_v1"
	for _, ev := range []simfeishu.Event{bot, other} {
		a, err := f.cb.Post(context.Background(), ev)
		if err != nil || a.Status != 200 || !strings.Contains(a.Body, "ignored") {
			t.Errorf("%s: %d %s %v", ev.Header.EventType, a.Status, a.Body, err)
		}
	}
	if f.sink.calls != 0 {
		t.Errorf("%d envelopes reached intake", f.sink.calls)
	}
}

func TestUnstoredEventIsNotAcknowledgedAndItsRetryIsStored(t *testing.T) {
	f := newHookFixture(t, "")
	f.sink.fail = errcode.Unavailable
	ev := f.text("停机了")
	a, _ := f.cb.Post(context.Background(), ev)
	if a.Status != 503 {
		t.Fatalf("intake failing: %d %s", a.Status, a.Body)
	}
	f.sink.mu.Lock()
	f.sink.fail = nil
	f.sink.mu.Unlock()
	if a, _ := f.cb.Post(context.Background(), ev); a.Status != 200 || len(f.sink.stored()) != 1 {
		t.Fatalf("retry: %d %s, %d stored", a.Status, a.Body, len(f.sink.stored()))
	}
}
