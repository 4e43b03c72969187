package feishu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// resourcePrefix is the path of the message resource API, which serves
// the bytes of an image, file, audio or video a user sent:
// GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file.
const resourcePrefix = "/open-apis/im/v1/messages/"

// FetchAttachment downloads an inbound attachment through the resource
// API. The stored URL names the resource; it is fetched from the
// channel's current base URL, so moving between Feishu and Lark (or to a
// simulator) keeps old attachments reachable.
func (c *conn) FetchAttachment(ctx context.Context, att model.Attachment) ([]byte, string, error) {
	u, err := url.Parse(att.URL)
	if err != nil || !strings.HasPrefix(u.Path, resourcePrefix) || !strings.Contains(u.Path, "/resources/") {
		return nil, "", channel.Permanent(fmt.Errorf("feishu: %q is not a message resource", att.URL))
	}
	for retried := false; ; retried = true {
		tok, err := c.tokens.Get(ctx)
		if err != nil {
			return nil, "", err
		}
		data, typ, a, err := c.download(ctx, u.RequestURI(), tok)
		if err != nil || a == nil {
			return data, typ, err
		}
		if slices.Contains(tokenCodes, a.Code) && !retried {
			c.tokens.Invalidate(tok)
			continue
		}
		if err := classify(http.MethodGet, u.Path, *a); err != nil {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("feishu resource: a JSON answer with code 0 instead of the bytes")
	}
}

// download GETs a resource: the bytes and their type, or Feishu's JSON
// error answer.
func (c *conn) download(ctx context.Context, path, token string) ([]byte, string, *answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+path, nil)
	if err != nil {
		return nil, "", nil, channel.Permanent(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return nil, "", nil, fmt.Errorf("feishu resource: %w", err)
	}
	defer resp.Body.Close()
	typ, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if typ == "application/json" || resp.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		a := &answer{status: resp.StatusCode, header: resp.Header}
		if json.Unmarshal(raw, a) != nil {
			a.Code, a.Msg = -1, fmt.Sprintf("not a Feishu answer: %.200s", raw)
		}
		return nil, "", a, nil
	}
	data, err := channel.ReadAttachment(resp.Body)
	return data, typ, nil, err
}
