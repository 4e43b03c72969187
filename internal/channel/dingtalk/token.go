package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"switchboard/internal/channel"
)

const pathToken = "/v1.0/oauth2/accessToken"

// fetchToken asks DingTalk for an app access token:
// POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken, expireIn}.
func (c *conn) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"appKey": c.cfg.AppKey, "appSecret": c.cfg.AppSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+pathToken, bytes.NewReader(body))
	if err != nil {
		return "", 0, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("dingtalk token: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var out struct {
		AccessToken string          `json:"accessToken"`
		ExpireIn    int64           `json:"expireIn"`
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
	}
	jsonErr := json.Unmarshal(raw, &out)
	code := codeString(out.Code)
	switch {
	case resp.StatusCode >= 500 || throttled(resp.StatusCode, code) || (jsonErr != nil && resp.StatusCode < 300):
		return "", 0, fmt.Errorf("dingtalk token: HTTP %d: %.200s", resp.StatusCode, raw)
	case jsonErr != nil:
		return "", 0, channel.Permanent(fmt.Errorf("dingtalk token: HTTP %d is not a DingTalk answer (check base_url): %.200s", resp.StatusCode, raw))
	case resp.StatusCode/100 != 2 || out.AccessToken == "":
		return "", 0, channel.Permanent(fmt.Errorf("%w: HTTP %d code %q: %s", errCredentials, resp.StatusCode, code, out.Message))
	}
	return out.AccessToken, time.Duration(max(out.ExpireIn, 1)) * time.Second, nil
}
