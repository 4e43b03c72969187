// Package api is the REST API v1: JSON over net/http ServeMux patterns,
// authenticated by bearer API tokens or the console session cookie. Every
// route is declared once in a table that also produces the OpenAPI document.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/audit"
	"switchboard/internal/auth"
	"switchboard/internal/blob"
	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/metrics"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// Waker is told when a delivery was queued, so it is sent without polling delay.
type Waker interface{ Wake() }

// breakerState is the outbox's view of a channel's health, when it has one.
type breakerState interface{ ChannelState(channelID int64) string }

// Deps is everything the API handlers use.
type Deps struct {
	Store        store.Store
	Auth         *auth.Service
	Channels     *channel.Registry
	Bus          bus.Bus
	Blobs        *blob.Store
	Outbox       Waker
	Audit        *audit.Recorder
	Metrics      *metrics.Metrics
	Log          *slog.Logger
	PublicURL    string
	SessionTTL   time.Duration
	SecureCookie bool
	// ReloadRules recompiles this node's rules from the store; the app
	// provides it, so a rule change through the API is in use when it answers.
	ReloadRules func(ctx context.Context) error
	// TicketHooks sends outgoing ticket webhooks; the API wakes it and
	// checks webhook URLs with its settings. Nil: defaults, nothing woken.
	TicketHooks *ticket.Hooks
}

// API holds the handlers.
type API struct {
	Deps
	routes  []Route
	tickets *ticket.Service
}

// Route is one row of the route table.
type Route struct {
	Method, Path, Summary, Tag string
	Public                     bool // no authentication
	Handler                    http.HandlerFunc
}

// New builds the API and its route table.
func New(d Deps) *API {
	a := &API{Deps: d, tickets: &ticket.Service{Store: d.Store, Bus: d.Bus, Log: d.Log}}
	a.routes = a.table()
	return a
}

// Routes returns the route table.
func (a *API) Routes() []Route { return a.routes }

// Mount registers every route on mux.
func (a *API) Mount(mux *http.ServeMux) {
	for _, rt := range a.routes {
		h := http.Handler(rt.Handler)
		if !rt.Public {
			h = a.RequireAuth(h)
		}
		mux.Handle(rt.Method+" "+rt.Path, h)
	}
}

// RequireAuth resolves the caller and puts the principal in the context.
func (a *API) RequireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Auth.Authenticate(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func principal(r *http.Request) auth.Principal {
	p, _ := auth.From(r.Context())
	return p
}

// fail writes err as a catalogue error and counts it.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := toCatalogue(err)
	if e == errcode.Internal {
		a.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	a.Metrics.APIErrors.WithLabelValues(e.Code).Inc()
	channel.WriteError(w, e)
}

func toCatalogue(err error) *errcode.Error {
	var e *errcode.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return errcode.NotFound
	case errors.Is(err, store.ErrStale):
		return errcode.StaleVersion.With("%v", err)
	case errors.Is(err, store.ErrConflict):
		return errcode.Conflict.With("%v", err)
	case errors.Is(err, context.Canceled):
		return errcode.Unavailable
	}
	return errcode.Internal
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decode reads a JSON request body of at most 1 MiB into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errcode.BodyTooLarge
		}
		return errcode.MalformedBody.With("%v", err)
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errcode.NotFound.With("%s %q is not an id", name, r.PathValue(name))
	}
	return id, nil
}

// requireAdmin refuses (and audits) callers without the admin role.
func (a *API) requireAdmin(w http.ResponseWriter, r *http.Request, action string) bool {
	if err := a.adminOnly(r, action); err != nil {
		a.fail(w, r, err)
		return false
	}
	return true
}

// adminOnly is requireAdmin for the exported helpers the console calls:
// the denial is audited here and the caller renders the error.
func (a *API) adminOnly(r *http.Request, action string) error {
	if principal(r).Admin() {
		return nil
	}
	a.Audit.Deny(r, action, r.URL.Path, "admin role required")
	return errcode.Forbidden.With("%s needs the admin role", action)
}
