// Package audit records permission-relevant actions — allowed and denied —
// into the store's hash-chained audit log.
package audit

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"switchboard/internal/auth"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Recorder writes audit entries.
type Recorder struct {
	Store store.Audit
	Log   *slog.Logger
}

// Record appends an entry for the caller of r. Failing to audit is logged,
// never hidden: the action itself has already been decided.
func (a *Recorder) Record(r *http.Request, action, resource string, allowed bool, detail string) {
	p, _ := auth.From(r.Context())
	e := model.AuditEntry{UserID: p.User.ID, Login: p.User.Login, Action: action, Resource: resource,
		Allowed: allowed, Detail: detail, RemoteIP: remoteIP(r)}
	if _, err := a.Store.AppendAudit(context.WithoutCancel(r.Context()), e); err != nil {
		a.Log.Error("audit append failed", "action", action, "resource", resource, "err", err)
	}
	if !allowed {
		a.Log.Warn("permission denied", "user", p.User.Login, "action", action, "resource", resource)
	}
}

// Deny records a denied attempt.
func (a *Recorder) Deny(r *http.Request, action, resource, detail string) {
	a.Record(r, action, resource, false, detail)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
