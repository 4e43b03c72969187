// Package web assembles the HTTP surface: platform callbacks under /hooks,
// the REST API under /api/v1, the console, health and metrics.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/metrics"
	"switchboard/internal/store"
	"switchboard/internal/web/api"
)

// Ready reports whether the node can take traffic.
type Ready func(ctx context.Context) error

// Server holds what the top-level handler needs.
type Server struct {
	API      *api.API
	Channels *channel.Registry
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	Ready    Ready
	Console  interface{ Mount(*http.ServeMux) }
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.API.Mount(mux)
	mux.HandleFunc("POST /hooks/{kind}/{id}", s.hook)
	mux.HandleFunc("GET /hooks/{kind}/{id}", s.hook) // URL-verification handshakes (WeCom, DingTalk)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}))
	if s.Console != nil {
		s.Console.Mount(mux)
	}
	return s.logRequests(s.sameOrigin(mux))
}

// sameOrigin refuses state-changing browser requests sent from another
// origin (Sec-Fetch-Site, else Origin against Host), so a page elsewhere
// cannot ride the console's session cookie into the API, whatever the
// browser does with SameSite. Clients that are not browsers (tokens,
// platforms' callbacks) send neither header and pass; callbacks are
// signed anyway and skip the check.
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/hooks/") {
			next.ServeHTTP(w, r)
			return
		}
		if err := cop.Check(r); err != nil {
			s.Metrics.APIErrors.WithLabelValues(errcode.CrossOrigin.Code).Inc()
			s.Log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
			channel.WriteError(w, errcode.CrossOrigin)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		channel.WriteError(w, errcode.Unavailable.With("%v", err))
		return
	}
	w.Write([]byte("ready\n"))
}

// hook routes a platform callback to its channel instance.
func (s *Server) hook(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	reject := func(e *errcode.Error) {
		s.Metrics.IntakeRejected.WithLabelValues(kind, e.Reason).Inc()
		channel.WriteError(w, e)
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if _, known := s.Channels.Driver(kind); err != nil || !known {
		reject(errcode.UnknownChannel.With("%s/%s", kind, r.PathValue("id")))
		return
	}
	ch, row, err := s.Channels.Get(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && row.Kind != kind):
		reject(errcode.UnknownChannel.With("%s/%d", kind, id))
		return
	case err != nil:
		s.Log.Error("hook: load channel", "channel", id, "err", err)
		reject(errcode.Unavailable)
		return
	case !row.Enabled:
		reject(errcode.ChannelDisabled.With("%d", id))
		return
	}
	h, ok := ch.(http.Handler)
	if !ok {
		reject(errcode.UnknownChannel.With("channel %d takes no HTTP callbacks", id))
		return
	}
	h.ServeHTTP(w, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs failed requests and, at debug level, all of them. The hot
// callback path logs nothing on success.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelWarn
		}
		if s.Log.Enabled(r.Context(), lvl) {
			s.Log.Log(r.Context(), lvl, "http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"ms", time.Since(start).Milliseconds())
		}
	})
}
