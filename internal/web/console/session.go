package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
)

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf"

// loginPage is the sign-in form's data.
type loginPage struct {
	Login string
	Error string // a key of messages
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, err := c.api.Auth.Authenticate(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login", view{Title: "login.title", Page: loginPage{}})
}

// login checks the password through the auth service, sets the same session
// cookie the API uses, and sends the browser to the inbox.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	secret, _, err := c.api.Auth.Login(r.Context(), login, password)
	if err != nil {
		c.api.Audit.Record(r, "login", "user:"+login, false, errcode.From(err).Reason)
		status, key := http.StatusUnauthorized, "login.error"
		switch {
		case errors.Is(err, errcode.AccountDisabled):
			status, key = http.StatusForbidden, "login.disabled"
		case !errors.Is(err, errcode.BadCredentials):
			c.api.Log.Error("console: login", "err", err)
			c.problem(w, r, http.StatusInternalServerError, "error")
			return
		}
		c.render(w, r, status, "login", view{Title: "login.title", Path: "/login", Page: loginPage{Login: login, Error: key}})
		return
	}
	c.api.SetSessionCookie(w, secret)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	if ck, err := r.Cookie(auth.SessionCookie); err == nil {
		_ = c.api.Auth.Logout(r.Context(), ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// csrfToken derives the form token from the session secret. Keying the HMAC
// with the secret binds the token to this session and needs no server state,
// so it works on every node; a cross-site page cannot read the HttpOnly
// cookie and so cannot forge it. Without a session cookie there is no token.
func csrfToken(r *http.Request) string {
	ck, err := r.Cookie(auth.SessionCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(ck.Value))
	m.Write([]byte("switchboard console form v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether the posted form carries this session's token.
func checkCSRF(r *http.Request) bool {
	want := csrfToken(r)
	got := r.PostFormValue(csrfField)
	return want != "" && hmac.Equal([]byte(want), []byte(got))
}
