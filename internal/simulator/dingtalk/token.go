package dingtalk

import (
	"encoding/json"
	"net/http"
	"time"
)

// accessToken serves the new API's POST /v1.0/oauth2/accessToken
// {"appKey","appSecret"} → {"accessToken","expireIn"}.
func (s *Server) accessToken(r *http.Request) reply {
	var in struct {
		AppKey    string `json:"appKey"`
		AppSecret string `json:"appSecret"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, "invalid request body: "+err.Error())
	}
	if in.AppKey != s.cfg.AppKey || in.AppSecret != s.cfg.AppSecret {
		return fail(http.StatusBadRequest, CodeBadSecret, "应用 appKey 或 appSecret 不正确")
	}
	tok, secs := s.issue()
	return ok(map[string]any{"accessToken": tok, "expireIn": secs})
}

// getToken serves the legacy GET /gettoken?appkey=&appsecret= on the oapi
// host. Tokens from either endpoint are accepted by both generations.
func (s *Server) getToken(r *http.Request) reply {
	q := r.URL.Query()
	if q.Get("appkey") != s.cfg.AppKey || q.Get("appsecret") != s.cfg.AppSecret {
		return oapiAnswer(40089, "不合法的corpid或corpsecret") // unverified errcode
	}
	tok, secs := s.issue()
	rep := oapiAnswer(ErrcodeOK, "ok")
	rep.body = map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": secs}
	return rep
}

// issue hands out the current token while it lives, else a new one, with
// the seconds it has left. (Whether DingTalk renews the expiry of a token
// fetched again is not in the reference; the fake does not.)
func (s *Server) issue() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued++
	now := s.cfg.Now()
	exp, live := s.tokens[s.current]
	if !live || !now.Before(exp) {
		s.current = s.nextID("dt-sim-")
		exp = now.Add(s.cfg.TokenTTL)
		s.tokens[s.current] = exp
	}
	return s.current, max(int(exp.Sub(now)/time.Second), 1)
}

// ExpireTokens invalidates every issued token, as if revoked (an app
// secret reset): the next API call answers 401 InvalidAuthentication.
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
