package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// SessionCookie is the console session cookie name.
const SessionCookie = "sb_session"

// Principal is the signed-in caller of a request.
type Principal struct {
	User  model.User
	Scope store.Scope // what messages, channels and conversations they may read
	Via   string      // "session" or "token"
}

// Admin reports whether the caller holds the admin role.
func (p Principal) Admin() bool { return p.Has(model.RoleAdmin) }

// Has reports whether the caller holds role on any unit.
func (p Principal) Has(role model.Role) bool {
	for _, g := range p.User.Roles {
		if g.Role == role {
			return true
		}
	}
	return false
}

// ScopeFor turns role grants into a read scope: admins see everything;
// department heads, agents and members see their units' subtrees; auditors
// read the audit trail, not messages. Confidential messages (a rule's
// "mark confidential") are management's: only department heads read them,
// in their units, besides admins (PRODUCT.md: agents export only
// non-confidential records, only management handles confidential files).
func ScopeFor(u model.User) store.Scope {
	s := store.Scope{Units: []int64{}}
	for _, g := range u.Roles {
		switch g.Role {
		case model.RoleAdmin:
			return store.Scope{All: true}
		case model.RoleDeptHead:
			s.Units = append(s.Units, g.OrgUnitID)
			s.Secret = append(s.Secret, g.OrgUnitID)
		case model.RoleAgent, model.RoleMember:
			s.Units = append(s.Units, g.OrgUnitID)
		}
	}
	return s
}

// Service authenticates requests against the user store.
type Service struct {
	Users      store.Users
	SessionTTL time.Duration
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Login checks a password and opens a session; it returns the cookie secret.
func (s *Service) Login(ctx context.Context, login, password string) (string, model.User, error) {
	u, err := s.Users.GetUserByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword("pbkdf2-sha256$1$AAAA$AAAA", password) // keep timing similar
		return "", u, errcode.BadCredentials
	}
	if err != nil {
		return "", u, err
	}
	if !CheckPassword(u.PasswordHash, password) {
		return "", u, errcode.BadCredentials
	}
	if u.Disabled {
		return "", u, errcode.AccountDisabled
	}
	secret := RandomToken("sbs_")
	err = s.Users.CreateSession(ctx, model.Session{Hash: TokenHash(secret), UserID: u.ID, ExpiresAt: s.now().Add(s.SessionTTL)})
	return secret, u, err
}

// Logout ends the session behind a cookie secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.Users.DeleteSession(ctx, TokenHash(secret))
}

// Authenticate resolves the caller from a bearer token or the session cookie.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	var userID int64
	var via string
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		t, err := s.Users.LookupToken(ctx, TokenHash(strings.TrimPrefix(h, "Bearer ")))
		if err != nil || (!t.ExpiresAt.IsZero() && s.now().After(t.ExpiresAt)) {
			return Principal{}, errcode.Unauthenticated
		}
		userID, via = t.UserID, "token"
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		sess, err := s.Users.LookupSession(ctx, TokenHash(c.Value))
		if err != nil || s.now().After(sess.ExpiresAt) {
			return Principal{}, errcode.Unauthenticated
		}
		userID, via = sess.UserID, "session"
	} else {
		return Principal{}, errcode.Unauthenticated
	}
	u, err := s.Users.GetUser(ctx, userID)
	if err != nil {
		return Principal{}, errcode.Unauthenticated
	}
	if u.Disabled {
		return Principal{}, errcode.AccountDisabled
	}
	return Principal{User: u, Scope: ScopeFor(u), Via: via}, nil
}

type ctxKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// CreateToken issues an API token for a user and returns the secret once.
func CreateToken(ctx context.Context, users store.Users, userID int64, name string, ttl time.Duration) (string, model.APIToken, error) {
	secret := RandomToken("sbt_")
	t := model.APIToken{UserID: userID, Name: name, Hash: TokenHash(secret)}
	if ttl > 0 {
		t.ExpiresAt = time.Now().Add(ttl)
	}
	t, err := users.CreateToken(ctx, t)
	return secret, t, err
}
