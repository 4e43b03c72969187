package dingtalk

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// downloadScheme prefixes the downloadCode that normalize keeps as an
// attachment's URL.
const downloadScheme = "dingtalk-download-code:"

// FetchAttachment downloads a robot message's file in two steps: POST
// /v1.0/robot/messageFiles/download {downloadCode, robotCode} answers a
// short-lived downloadUrl, which is then fetched without a token.
func (c *conn) FetchAttachment(ctx context.Context, att model.Attachment) ([]byte, string, error) {
	code, ok := strings.CutPrefix(att.URL, downloadScheme)
	if !ok || code == "" {
		return nil, "", channel.Permanent(fmt.Errorf("dingtalk: %q is not a download code", att.URL))
	}
	var out struct {
		DownloadURL string `json:"downloadUrl"`
	}
	in := map[string]string{"downloadCode": code, "robotCode": c.cfg.RobotCode}
	if err := c.call(ctx, http.MethodPost, "/v1.0/robot/messageFiles/download", in, &out); err != nil {
		return nil, "", err
	}
	if out.DownloadURL == "" {
		return nil, "", fmt.Errorf("dingtalk messageFiles/download: no downloadUrl")
	}
	return c.fetchURL(ctx, out.DownloadURL)
}

// fetchURL GETs a download URL's bytes.
func (c *conn) fetchURL(ctx context.Context, u string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", channel.Permanent(err)
	}
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("dingtalk download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		// Retried as it is: an expired URL is replaced by the next attempt's.
		return nil, "", fmt.Errorf("dingtalk download: HTTP %d", resp.StatusCode)
	}
	data, err := channel.ReadAttachment(resp.Body)
	typ, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return data, typ, err
}
