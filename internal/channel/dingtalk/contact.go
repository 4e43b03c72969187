package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// Old-API errcodes of a contact lookup: the app lacks the 通讯录
// permission (60011, unverified number), the user does not exist (60121,
// "找不到该用户"), the token is stale (40014, 42001), or the platform is
// busy or throttling (-1, 90002, 90018).
const (
	errcodeNoPermission = 60011
	errcodeNoUser       = 60121
)

var oapiRetryCodes = []int{errcodeBusy, 90002, 90018, 90019}

// oapiUser is the part of topapi/v2/user/get's result the profile uses.
type oapiUser struct {
	Name      string  `json:"name"`
	Mobile    string  `json:"mobile"`
	StateCode string  `json:"state_code"`
	Email     string  `json:"email"`
	OrgEmail  string  `json:"org_email"`
	DeptIDs   []int64 `json:"dept_id_list"`
}

// LookupUser reads a member's profile: POST /topapi/v2/user/get with the
// staffId. DingTalk verifies the login mobile and issues the enterprise
// mailbox (org_email), so those count as verified; "email" is whatever
// the admin typed and never links people. Senders without a staffId
// (external contacts, "$:LWCP_v1:$…") have no directory entry.
func (c *conn) LookupUser(ctx context.Context, staffID string) (model.Profile, error) {
	if staffID == "" || strings.HasPrefix(staffID, "$:") {
		return model.Profile{}, fmt.Errorf("%w: %q is not a staffId", channel.ErrNoProfile, staffID)
	}
	var u oapiUser
	if err := c.oapi(ctx, "/topapi/v2/user/get", map[string]string{"userid": staffID, "language": "zh_CN"}, &u); err != nil {
		return model.Profile{}, err
	}
	p := model.Profile{ProfileName: u.Name, Email: u.Email, Mobile: channel.Mobile(u.Mobile, u.StateCode), MobileVerified: u.Mobile != ""}
	if u.OrgEmail != "" {
		p.Email, p.EmailVerified = u.OrgEmail, true
	}
	if len(u.DeptIDs) > 0 {
		var d struct {
			Name string `json:"name"`
		}
		// Without the department permission the rest is still worth having.
		if c.oapi(ctx, "/topapi/v2/department/get", map[string]any{"dept_id": u.DeptIDs[0], "language": "zh_CN"}, &d) == nil {
			p.Department = d.Name
		}
	}
	return p, nil
}

// oapi posts to an old-API topapi method with the access token in the
// query and decodes its result into out. Refusals leave the channel's
// health alone: a missing contact permission is a setup choice.
func (c *conn) oapi(ctx context.Context, path string, in, out any) error {
	body, _ := json.Marshal(in)
	for retried := false; ; retried = true {
		tok, err := c.tokens.Get(ctx)
		if err != nil {
			return err
		}
		var a struct {
			Errcode int             `json:"errcode"`
			Errmsg  string          `json:"errmsg"`
			Result  json.RawMessage `json:"result"`
		}
		status, err := c.postOAPI(ctx, path+"?access_token="+url.QueryEscape(tok), body, &a)
		if err != nil {
			return err
		}
		fail := fmt.Errorf("dingtalk %s: HTTP %d errcode %d: %.200s", path, status, a.Errcode, a.Errmsg)
		switch {
		case slices.Contains(tokenCodes, strconv.Itoa(a.Errcode)) && !retried:
			c.tokens.Invalidate(tok)
			continue
		case status/100 == 2 && a.Errcode == 0:
			return json.Unmarshal(a.Result, out)
		case a.Errcode == errcodeNoPermission:
			return fmt.Errorf("%w: %w", channel.ErrNoPermission, fail)
		case status >= 500 || status == http.StatusTooManyRequests || slices.Contains(oapiRetryCodes, a.Errcode):
			return fail
		}
		return fmt.Errorf("%w: %w", channel.ErrNoProfile, fail)
	}
}

// postOAPI sends one old-API request and decodes the JSON answer.
func (c *conn) postOAPI(ctx context.Context, pathQuery string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.OAPIBaseURL+pathQuery, bytes.NewReader(body))
	if err != nil {
		return 0, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("dingtalk oapi: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(raw, out); err != nil {
		return resp.StatusCode, fmt.Errorf("dingtalk oapi: HTTP %d, not a DingTalk answer: %.200s", resp.StatusCode, raw)
	}
	return resp.StatusCode, nil
}
