package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"switchboard/internal/channel"
)

// refreshMargin: like the official SDK, use a tenant token only until 3
// minutes before it expires, so a send never races its expiry.
const refreshMargin = 3 * time.Minute

const pathToken = "/open-apis/auth/v3/tenant_access_token/internal"

// errCredentials marks a token request Feishu refused: app_id or
// app_secret is wrong, and no retry helps until an admin fixes them.
var errCredentials = errors.New("feishu refused the app credentials")

// fetchToken asks Feishu for a tenant token.
func (c *conn) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"app_id": c.cfg.AppID, "app_secret": c.cfg.AppSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+pathToken, bytes.NewReader(body))
	if err != nil {
		return "", 0, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("feishu token: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int64  `json:"expire"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	jsonErr := json.Unmarshal(raw, &out)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || (jsonErr != nil && resp.StatusCode < 300):
		return "", 0, fmt.Errorf("feishu token: HTTP %d: %.200s", resp.StatusCode, raw)
	case jsonErr != nil:
		return "", 0, channel.Permanent(fmt.Errorf("feishu token: HTTP %d is not a Feishu answer (check base_url): %.200s", resp.StatusCode, raw))
	case out.Code != 0 || out.Token == "":
		return "", 0, channel.Permanent(fmt.Errorf("%w: HTTP %d code %d: %s", errCredentials, resp.StatusCode, out.Code, out.Msg))
	}
	return out.Token, time.Duration(max(out.Expire, 1)) * time.Second, nil
}
