package feishu

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

// Feishu codes that decide what a failed call means (reference §4.1, §4.4).
const (
	codeRateLimited  = 99991400
	codeBotThrottled = 11232 // custom bot system throttle
)

// tokenCodes say the tenant token is invalid or expired: refresh, retry once.
var tokenCodes = []int{99991663, 99991664, 99991671}

// answer is one API response.
type answer struct {
	status int
	header http.Header
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
}

// call makes an authenticated API call and decodes data into out. A token
// Feishu calls invalid is dropped and the call made once more with a fresh
// one; everything else is classified for the outbox.
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
		if err == nil && slices.Contains(tokenCodes, a.Code) && !retried {
			c.tokens.Invalidate(tok)
			continue
		}
		if err == nil {
			err = classify(method, path, a)
		}
		if err != nil {
			c.noteSendErr(err)
			return err
		}
		c.noteOK(false)
		if out == nil || len(a.Data) == 0 {
			return nil
		}
		return json.Unmarshal(a.Data, out)
	}
}

// do sends one request and reads Feishu's {code, msg, data} answer.
func (c *conn) do(ctx context.Context, method, path, token string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, channel.Permanent(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("feishu %s %s: %w", method, route(path), err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a); err != nil {
		// A gateway's HTML error page, or a cut-off answer: the message may
		// or may not have gone; the retry's uuid makes that safe.
		a.Code, a.Msg = -1, fmt.Sprintf("not a Feishu answer: %.200s", raw)
	}
	return a, nil
}

// classify maps an answer to nil, retry-later (with the platform's wait
// when it gives one), or permanent.
func classify(method, path string, a answer) error {
	if a.status/100 == 2 && a.Code == 0 {
		return nil
	}
	err := fmt.Errorf("feishu %s %s: HTTP %d code %d: %s", method, route(path), a.status, a.Code, a.Msg)
	switch {
	case a.status == http.StatusTooManyRequests || a.Code == codeRateLimited:
		if d, ok := channel.ParseRetryAfter(a.header.Get("X-Ogw-Ratelimit-Reset"), time.Now()); ok {
			return &channel.RetryAfterError{After: d, Err: err}
		}
		if d, ok := channel.ParseRetryAfter(a.header.Get("Retry-After"), time.Now()); ok {
			return &channel.RetryAfterError{After: d, Err: err}
		}
		return err
	case a.status >= 500, a.status == http.StatusRequestTimeout, a.Code == codeBotThrottled,
		a.Code == -1 && a.status/100 == 2, slices.Contains(tokenCodes, a.Code):
		return err // retry later: transient, or a token still refused after a refresh
	}
	// Bot not in the chat, user outside the app's availability, missing
	// scope, malformed content: the same request can never succeed.
	return channel.Permanent(err)
}

// route is path without its query, for error messages.
func route(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}
