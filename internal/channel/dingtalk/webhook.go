package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"switchboard/internal/channel"
)

// Old-API errcodes that decide what a webhook answer means.
const (
	errcodeBusy        = -1     // system busy: retry
	errcodeSendTooFast = 130101 // over 20 a minute: the robot is held for 10 minutes
	gatewayBanned      = 1111   // "status" of the gateway's IP-limit answer, with "wait"
)

// customRobotHold is how long a custom robot stays throttled after
// errcode 130101 (reference §3.4).
const customRobotHold = 10 * time.Minute

// errSessionRefused marks a sessionWebhook answer that says the reply
// was not delivered (expired session, throttled): safe to send the same
// reply proactively instead.
var errSessionRefused = errors.New("dingtalk refused the session webhook")

// oapiAnswer is a webhook answer: HTTP 200 with {errcode, errmsg}, or the
// gateway's {"status":1111,"wait":…} when an IP is banned.
type oapiAnswer struct {
	status  int
	parsed  bool
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
	Gateway int    `json:"status"`
	Wait    int    `json:"wait"` // minutes (unverified unit; the ban is documented as 5 min)
}

// textMessage is a webhook body with plain text.
func textMessage(text string) map[string]any {
	return map[string]any{"msgtype": "text", "text": map[string]string{"content": text}}
}

// postWebhook posts a webhook body and reads the answer.
func (c *conn) postWebhook(ctx context.Context, target string, body any) (oapiAnswer, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return oapiAnswer{}, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return oapiAnswer{}, fmt.Errorf("dingtalk webhook: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	a := oapiAnswer{status: resp.StatusCode}
	a.parsed = json.Unmarshal(raw, &a) == nil
	if !a.parsed {
		a.Errmsg = fmt.Sprintf("not a DingTalk answer: %.200s", raw)
	}
	return a, nil
}

// classifyWebhook maps a webhook answer to nil, retry-later or permanent.
func classifyWebhook(what string, a oapiAnswer) error {
	if a.status/100 == 2 && a.parsed && a.Errcode == 0 && a.Gateway == 0 {
		return nil
	}
	err := fmt.Errorf("dingtalk %s: HTTP %d errcode %d: %.200s", what, a.status, a.Errcode, a.Errmsg)
	switch {
	case a.Gateway == gatewayBanned:
		return &channel.RetryAfterError{After: time.Duration(max(a.Wait, 1)) * time.Minute, Err: err}
	case a.Errcode == errcodeSendTooFast || a.status == http.StatusTooManyRequests:
		return &channel.RetryAfterError{After: customRobotHold, Err: err}
	case a.status >= 500, a.Errcode == errcodeBusy, !a.parsed:
		return err
	}
	// Unknown or expired token/session, sign refused, keyword missing.
	return channel.Permanent(err)
}

// replyInSession posts text to a conversation's sessionWebhook. A
// definite refusal — an expired session, or throttling, which the
// proactive API does not share — comes back as errSessionRefused so the
// caller sends proactively; a 5xx or a lost answer might have delivered,
// so those are retried as they are.
func (c *conn) replyInSession(ctx context.Context, webhook, text string) error {
	a, err := c.postWebhook(ctx, webhook, textMessage(text))
	if err == nil {
		err = classifyWebhook("session webhook", a)
	}
	var wait *channel.RetryAfterError
	switch {
	case err == nil:
		c.noteOK(false)
		return nil
	case errors.Is(err, channel.ErrPermanent), errors.As(err, &wait):
		return fmt.Errorf("%w: %w", errSessionRefused, err)
	}
	c.noteSendErr(err)
	return err
}

// sendCustomRobot posts text through the group custom robot configured
// on the channel, signing the URL when it has a secret.
func (c *conn) sendCustomRobot(ctx context.Context, text string) error {
	q := url.Values{"access_token": {c.cfg.WebhookToken}}
	if c.cfg.WebhookSecret != "" {
		ts := strconv.FormatInt(c.env.Now().UnixMilli(), 10)
		q.Set("timestamp", ts)
		q.Set("sign", sign(ts, c.cfg.WebhookSecret)) // Encode URL-encodes it, as required
	}
	a, err := c.postWebhook(ctx, c.cfg.OAPIBaseURL+"/robot/send?"+q.Encode(), textMessage(text))
	if err == nil {
		err = classifyWebhook("custom robot", a)
	}
	if err != nil {
		c.noteSendErr(err)
		return err
	}
	c.noteOK(false)
	return nil
}
