package api

import (
	"net/http"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	secret, u, err := a.Auth.Login(r.Context(), req.Login, req.Password)
	if err != nil {
		a.Audit.Record(r, "login", "user:"+req.Login, false, errcode.From(err).Reason)
		a.fail(w, r, err)
		return
	}
	a.SetSessionCookie(w, secret)
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

// SetSessionCookie sets the console session cookie.
func (a *API) SetSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: a.SecureCookie, SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(a.SessionTTL)})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		_ = a.Auth.Logout(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	writeJSON(w, http.StatusOK, map[string]any{"user": p.User, "scope": p.Scope, "admin": p.Admin()})
}
