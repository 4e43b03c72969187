package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// Codes of a contact lookup the app may not make: a scope not granted
// (99991672, "Access denied. One of the following scopes is required"),
// or a user outside the app's contact range (41050, "no user authority").
var deniedCodes = []int{99991672, 41050}

// contactUser is the part of a contact v3 user the profile uses.
type contactUser struct {
	Name            string   `json:"name"`
	Email           string   `json:"email"`
	EnterpriseEmail string   `json:"enterprise_email"`
	Mobile          string   `json:"mobile"`
	DepartmentIDs   []string `json:"department_ids"`
}

// LookupUser reads a user's profile from the contact API:
// GET /open-apis/contact/v3/users/:open_id. Feishu verifies the login
// mobile and issues the enterprise mailbox, so those two count as
// verified; a personal email is shown but never links people.
func (c *conn) LookupUser(ctx context.Context, openID string) (model.Profile, error) {
	var out struct {
		User contactUser `json:"user"`
	}
	path := "/open-apis/contact/v3/users/" + url.PathEscape(openID) + "?user_id_type=open_id&department_id_type=open_department_id"
	if err := c.lookup(ctx, path, &out); err != nil {
		return model.Profile{}, err
	}
	u := out.User
	p := model.Profile{ProfileName: u.Name, Email: u.Email, Mobile: channel.Mobile(u.Mobile, ""), MobileVerified: u.Mobile != ""}
	if u.EnterpriseEmail != "" {
		p.Email, p.EmailVerified = u.EnterpriseEmail, true
	}
	if len(u.DepartmentIDs) > 0 {
		p.Department = c.departmentName(ctx, u.DepartmentIDs[0])
	}
	return p, nil
}

// departmentName is a department's name, or "" when the app may not read
// departments: the rest of the profile is still worth having.
func (c *conn) departmentName(ctx context.Context, id string) string {
	var out struct {
		Department struct {
			Name string `json:"name"`
		} `json:"department"`
	}
	if c.lookup(ctx, "/open-apis/contact/v3/departments/"+url.PathEscape(id)+"?department_id_type=open_department_id", &out) != nil {
		return ""
	}
	return out.Department.Name
}

// lookup is a GET on the contact API. Unlike a send it leaves the
// channel's health alone when refused: a missing contact scope is a
// setup choice, counted by the caller, not a broken channel.
func (c *conn) lookup(ctx context.Context, path string, out any) error {
	for retried := false; ; retried = true {
		tok, err := c.tokens.Get(ctx)
		if err != nil {
			return err
		}
		a, err := c.do(ctx, http.MethodGet, path, tok, nil)
		if err != nil {
			return err
		}
		if slices.Contains(tokenCodes, a.Code) && !retried {
			c.tokens.Invalidate(tok)
			continue
		}
		if slices.Contains(deniedCodes, a.Code) {
			return fmt.Errorf("%w: feishu code %d: %s", channel.ErrNoPermission, a.Code, a.Msg)
		}
		if err := classify(http.MethodGet, path, a); err != nil {
			if errors.Is(err, channel.ErrPermanent) {
				return fmt.Errorf("%w: %w", channel.ErrNoProfile, err)
			}
			return err
		}
		return decodeData(a, out)
	}
}

// decodeData decodes an answer's data into out.
func decodeData(a answer, out any) error {
	if len(a.Data) == 0 {
		return fmt.Errorf("feishu: answer without data")
	}
	return json.Unmarshal(a.Data, out)
}
