package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// API is the little of the REST API a load run needs: make a channel, list
// what was stored.
type API struct {
	BaseURL string
	Token   string // admin bearer token
	Client  *http.Client
}

// NewAPI returns a client for baseURL with an admin token.
func NewAPI(baseURL, token string) *API {
	return &API{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, Client: &http.Client{Timeout: 60 * time.Second}}
}

// Do sends a JSON request and decodes a JSON answer into out (if not nil).
// A non-2xx answer is an error carrying the body.
func (a *API) Do(ctx context.Context, method, path string, in, out any) error {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.BaseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// CreateWebhook creates a receive-only webhook channel in org unit 1 and
// returns its id and signing secret.
func (a *API) CreateWebhook(ctx context.Context, name string) (id int64, secret string, err error) {
	var ch struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	err = a.Do(ctx, http.MethodPost, "/api/v1/channels", map[string]any{"kind": "webhook", "name": name, "org_unit_id": 1}, &ch)
	if err == nil && (ch.ID == 0 || ch.Secret == "") {
		err = fmt.Errorf("create webhook: answer without id or secret")
	}
	return ch.ID, ch.Secret, err
}

// ExternalIDs pages through every stored message of a channel (500 per page,
// newest first, by cursor) and returns their external ids, repeats kept so a
// caller can detect duplicates.
func (a *API) ExternalIDs(ctx context.Context, channelID int64) ([]string, error) {
	var out []string
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ExternalID string `json:"external_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := fmt.Sprintf("/api/v1/messages?channel_id=%d&limit=500", channelID)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if err := a.Do(ctx, http.MethodGet, path, nil, &page); err != nil {
			return out, err
		}
		for _, it := range page.Items {
			out = append(out, it.ExternalID)
		}
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}
