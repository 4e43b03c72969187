package dingtalk

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// The example of DingTalk's callback-crypto documentation.
const (
	docEncrypt   = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ=="
	docSignature = "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0"
)

func TestDocumentedEventExampleOpens(t *testing.T) {
	if got := eventSignature("123456", "1445827045067", "nEXhMP4r", docEncrypt); got != docSignature {
		t.Errorf("signature %s, want %s", got, docSignature)
	}
	msg, rid, err := decryptEvent(testAESKey, docEncrypt)
	if err != nil || rid != "suite4xxxxxxxxxxxxxxx" || string(msg) != `{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}` {
		t.Errorf("decrypt: %q %q %v", msg, rid, err)
	}
}

func newEventFixture(t *testing.T) (*hookFixture, *simdingtalk.Events) {
	f := newHookFixture(t, "token", "ev-token", "aes_key", testAESKey)
	return f, &simdingtalk.Events{URL: f.srv.URL, Token: "ev-token", AESKey: testAESKey, AppKey: "dingtest"}
}

func TestCheckURLAndEventsGetTheEncryptedSuccess(t *testing.T) {
	f, ev := newEventFixture(t)
	ctx := context.Background()
	if a, err := ev.CheckURL(ctx); err != nil || a.Status != 200 {
		t.Fatalf("check_url: %d %s %v", a.Status, a.Body, err)
	}
	wecom := *ev
	wecom.WeComNames = true
	if _, err := wecom.Post(ctx, "user_add_org", map[string]any{"UserId": []string{"zhang3"}}); err != nil {
		t.Errorf("event with msg_signature/timeStamp: %v", err)
	}
	if f.sink.calls != 0 {
		t.Errorf("%d events reached intake", f.sink.calls)
	}
	if h := f.conn.Health(); h.State != model.HealthConnected || h.LastEventAt.IsZero() {
		t.Errorf("health %+v", h)
	}
}

func TestRefusedEventsStoreNothing(t *testing.T) {
	f, ev := newEventFixture(t)
	ctx := context.Background()
	forged, wrongKey, otherApp, stale := *ev, *ev, *ev, *ev
	forged.Token = "guess"
	wrongKey.AESKey = strings.Repeat("a", 43)
	otherApp.AppKey = "dingother"
	stale.Now = func() time.Time { return time.Now().Add(-25 * time.Hour) }
	plain := newHookFixture(t) // no token/aes_key on this channel
	unconfigured := *ev
	unconfigured.URL = plain.srv.URL
	cases := []struct {
		name   string
		ev     *simdingtalk.Events
		status int
		code   string
	}{
		{"wrong token", &forged, 401, "SB-1001"},
		{"sealed with another aes_key", &wrongKey, 400, "SB-1003"},
		{"sealed for another app", &otherApp, 401, "SB-1001"},
		{"a day old", &stale, 401, "SB-1002"},
		{"channel without event settings", &unconfigured, 401, "SB-1001"},
	}
	for _, c := range cases {
		a, _ := c.ev.CheckURL(ctx)
		if a.Status != c.status || errorCode(a.Body) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.Status, a.Body, c.status, c.code)
		}
	}
	req, _ := ev.Request(ctx, map[string]string{"EventType": "check_url"})
	q := req.URL.Query()
	q.Del("timestamp")
	req.URL.RawQuery = q.Encode()
	if a, _ := ev.Do(req); a.Status != 401 || errorCode(a.Body) != "SB-1002" {
		t.Errorf("no timestamp: %d %s", a.Status, a.Body)
	}
	if len(f.rejected) != 5 || f.sink.calls != 0 || plain.sink.calls != 0 {
		t.Errorf("rejected %v, %d Accept calls", f.rejected, f.sink.calls)
	}
}
