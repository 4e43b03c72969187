package feishu

import (
	"encoding/json"
	"net/http"
	"time"
)

// reuseWindow: Feishu hands back the current tenant token while it has at
// least 30 minutes left, and a new one (both then valid) after that.
const reuseWindow = 30 * time.Minute

type tokenAnswer struct {
	Code              int    `json:"code"`
	Msg               string `json:"msg"`
	TenantAccessToken string `json:"tenant_access_token,omitempty"`
	Expire            int    `json:"expire,omitempty"` // seconds left
}

// token serves POST /open-apis/auth/v3/tenant_access_token/internal.
func (s *Server) token(r *http.Request) reply {
	var in struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return fail(http.StatusBadRequest, CodeBadField, "invalid request body: "+err.Error())
	}
	switch {
	case in.AppID != s.cfg.AppID:
		return reply{status: http.StatusBadRequest, code: CodeBadAppID, body: tokenAnswer{Code: CodeBadAppID, Msg: "app_id is invalid"}}
	case in.AppSecret != s.cfg.AppSecret:
		return reply{status: http.StatusBadRequest, code: CodeBadSecret, body: tokenAnswer{Code: CodeBadSecret, Msg: "app secret invalid"}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued++
	now := s.cfg.Now()
	exp, live := s.tokens[s.current]
	if !live || exp.Sub(now) < reuseWindow {
		s.current = s.nextID("t-sim")
		exp = now.Add(s.cfg.TokenTTL)
		s.tokens[s.current] = exp
	}
	secs := int(exp.Sub(now) / time.Second)
	return reply{status: http.StatusOK, body: tokenAnswer{Code: CodeOK, Msg: "ok", TenantAccessToken: s.current, Expire: secs}}
}

// ExpireTokens invalidates every issued tenant token, as if they had run
// out early (Feishu may revoke tokens before expiry, e.g. on secret reset):
// the next API call answers 99991663.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
	s.current = ""
}

// TokenRequests counts successful token requests so far.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}
