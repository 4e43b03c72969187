package feishu

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Header names of a signed callback.
const (
	HeaderTimestamp = "X-Lark-Request-Timestamp"
	HeaderNonce     = "X-Lark-Request-Nonce"
	HeaderSignature = "X-Lark-Signature"
)

// Callbacks posts event callbacks to an app's request URL the way Feishu
// does: JSON, encrypted and signed when the app has an Encrypt Key.
type Callbacks struct {
	URL               string // the channel's callback URL
	AppID             string
	TenantKey         string
	VerificationToken string
	EncryptKey        string // empty: plaintext bodies, no signature headers
	Client            *http.Client
	Now               func() time.Time
	// Server, when set, learns every message posted, so that the app's
	// replies to them resolve to their chat as on Feishu.
	Server *Server
}

// Answer is what the app answered to a callback.
type Answer struct {
	Status int
	Body   string
}

func (c *Callbacks) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Callbacks) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return http.DefaultClient
}

// MessageReceived builds a new im.message.receive_v1 event for m.
func (c *Callbacks) MessageReceived(m Message) Event {
	now := c.now()
	m = m.withDefaults(now)
	tenant := cmp.Or(c.TenantKey, "tenant-sim")
	if c.Server != nil {
		c.Server.remember(m.MessageID, m.ChatID, m.MessageType, m.Content, m.CreateTime)
	}
	return Event{Schema: "2.0", Header: header("im.message.receive_v1", c.VerificationToken, c.AppID, tenant, now),
		Event: receiveBody(m, tenant)}
}

// Repushed is ev pushed again as a new event: same message, new event_id
// (Feishu's re-push after a missed ack may carry either).
func (c *Callbacks) Repushed(ev Event) Event {
	ev.Header.EventID = randomHex(16)
	return ev
}

// Request builds the HTTP request for payload (an Event or any JSON
// value): encrypted and signed when an Encrypt Key is set. Tests tamper
// with the result to check refusals.
func (c *Callbacks) Request(ctx context.Context, payload any, sign bool) (*http.Request, error) {
	plain, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	body := plain
	if c.EncryptKey != "" {
		enc, err := Encrypt(c.EncryptKey, plain)
		if err != nil {
			return nil, err
		}
		body, _ = json.Marshal(map[string]string{"encrypt": enc})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Go-http-client/1.1 (switchboard feishu simulator)")
	if c.EncryptKey != "" && sign {
		ts, nonce := strconv.FormatInt(c.now().Unix(), 10), randomHex(8)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderNonce, nonce)
		req.Header.Set(HeaderSignature, Sign(ts, nonce, c.EncryptKey, body))
	}
	return req, nil
}

// Post delivers ev once.
func (c *Callbacks) Post(ctx context.Context, ev Event) (Answer, error) {
	req, err := c.Request(ctx, ev, true)
	if err != nil {
		return Answer{}, err
	}
	return c.Do(req)
}

// PostTimes delivers ev n times with the same event_id, as Feishu retries
// a push whose answer it did not get in time.
func (c *Callbacks) PostTimes(ctx context.Context, ev Event, n int) ([]Answer, error) {
	out := make([]Answer, 0, n)
	for range n {
		a, err := c.Post(ctx, ev)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Verify runs the url_verification handshake Feishu makes when an admin
// saves the request URL, and checks the app echoed the challenge. Feishu
// encrypts it like any event but does not sign it.
func (c *Callbacks) Verify(ctx context.Context) (Answer, error) {
	challenge := randomHex(12)
	req, err := c.Request(ctx, map[string]string{"challenge": challenge, "token": c.VerificationToken, "type": "url_verification"}, false)
	if err != nil {
		return Answer{}, err
	}
	a, err := c.Do(req)
	if err != nil || a.Status != http.StatusOK {
		return a, err
	}
	var got struct {
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal([]byte(a.Body), &got); err != nil || got.Challenge != challenge {
		return a, fmt.Errorf("url_verification: answer %q does not echo challenge %q", a.Body, challenge)
	}
	return a, nil
}

// Do sends a (possibly tampered) callback request.
func (c *Callbacks) Do(req *http.Request) (Answer, error) {
	resp, err := c.client().Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return Answer{Status: resp.StatusCode, Body: string(b)}, nil
}
