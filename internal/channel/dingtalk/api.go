package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"switchboard/internal/channel"
)

// throttleWait is how long to hold a send the new API throttled when it
// says no more: its limits are per second (20–60 QPS by edition), so two
// seconds clears them without hammering.
const throttleWait = 2 * time.Second

// throttleCodes mean "retry later" (reference §3.4): global 90002, per-app
// 90018, third-party 90019, robot 130101.
var throttleCodes = []string{"90002", "90018", "90019", "130101"}

// tokenCodes say the access token is invalid or expired: refresh, retry
// once. HTTP 401 means the same; the codes cover oapi-style answers.
var tokenCodes = []string{"InvalidAuthentication", "40014", "42001"}

// answer is one new-API response: a plain JSON object on success,
// {code, message, requestid} with a 4xx/5xx status on failure.
type answer struct {
	status  int
	header  http.Header
	raw     []byte
	parsed  bool
	code    string
	message string
}

// call makes an authenticated new-API call and decodes the answer into
// out. A token DingTalk calls invalid is dropped and the call made once
// more with a fresh one; everything else is classified for the outbox.
func (c *conn) call(ctx context.Context, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return channel.Permanent(err)
	}
	for retried := false; ; retried = true {
		tok, err := c.tokens.Get(ctx)
		if err != nil {
			c.noteSendErr(err)
			return err
		}
		a, err := c.do(ctx, method, path, tok, body)
		if err == nil && tokenRefused(a) && !retried {
			c.tokens.Invalidate(tok)
			continue
		}
		if err == nil {
			err = classify(method, path, a)
		}
		if err == nil && out != nil {
			if jerr := json.Unmarshal(a.raw, out); jerr != nil {
				err = fmt.Errorf("dingtalk %s %s: answer: %w", method, path, jerr)
			}
		}
		if err != nil {
			c.noteSendErr(err)
			return err
		}
		c.noteOK(false)
		return nil
	}
}

// do sends one request and reads the answer.
func (c *conn) do(ctx context.Context, method, path, token string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, channel.Permanent(err)
	}
	req.Header.Set("x-acs-dingtalk-access-token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("dingtalk %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.raw, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var e struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	a.parsed = json.Unmarshal(a.raw, &e) == nil
	a.code, a.message = codeString(e.Code), e.Message
	return a, nil
}

// codeString reads a code that DingTalk sends as a string or a number.
func codeString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func tokenRefused(a answer) bool {
	return a.status == http.StatusUnauthorized || slices.Contains(tokenCodes, a.code)
}

// classify maps an answer to nil, retry-later (with a wait when
// throttled), or permanent.
func classify(method, path string, a answer) error {
	if a.status/100 == 2 && a.parsed && a.code == "" {
		return nil
	}
	err := fmt.Errorf("dingtalk %s %s: HTTP %d code %q: %.200s", method, path, a.status, a.code, a.message)
	switch {
	case throttled(a.status, a.code):
		return &channel.RetryAfterError{After: waitOf(a.header), Err: err}
	case a.status >= 500, a.status == http.StatusRequestTimeout, !a.parsed && a.status/100 == 2, tokenRefused(a):
		// Transient; a cut-off 2xx answer (the message may have gone: no
		// idempotency on DingTalk, so the retry may duplicate it); or a
		// token still refused right after a refresh.
		return err
	}
	// staffId.notExisted, missing permission, robot not in the group,
	// malformed msgParam: the same request can never succeed.
	return channel.Permanent(err)
}

// throttled reports the reference's retry-later answers. QpsLimit codes
// are the new API's spelled-out throttling codes (unverified).
func throttled(status int, code string) bool {
	return status == http.StatusTooManyRequests || slices.Contains(throttleCodes, code) || strings.Contains(code, "QpsLimit")
}

// waitOf is the Retry-After a gateway sent, if any, else throttleWait.
// DingTalk itself documents no such header.
func waitOf(h http.Header) time.Duration {
	if d, ok := channel.ParseRetryAfter(h.Get("Retry-After"), time.Now()); ok && d > 0 {
		return d
	}
	return throttleWait
}
