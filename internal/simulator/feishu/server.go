// Package feishu is a fake of the Feishu/Lark open platform's server side,
// built from shared/reference/platform-protocols.md §4: the tenant token
// endpoint, the IM send / reply / card-update APIs (recording what they
// receive and honouring the uuid idempotency field), scripted faults, and a
// generator of correctly encrypted and signed event callbacks. Server is an
// http.Handler, so a test mounts it with httptest.NewServer and points a
// channel's base_url at it.
//
// Error codes marked "unverified" below are plausible stand-ins where the
// reference does not give the platform's exact code; the adapter under test
// must only rely on the documented ones (0, 99991400, 99991663/4/71, 11232).
package feishu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/internal/simulator"
)

// Documented Feishu codes the simulator answers with.
const (
	CodeOK           = 0
	CodeRateLimited  = 99991400 // request trigger frequency limit
	CodeTokenInvalid = 99991663 // invalid tenant_access_token
	CodeTokenMissing = 99991661 // no Authorization header (unverified)
	CodeBadField     = 99992402 // field validation failed (unverified)
	CodeBadContent   = 230001   // invalid message content / parameter (unverified)
	CodeNoMessage    = 230011   // message not found or withdrawn (unverified)
	CodeNotInChat    = 230002   // bot is not in the chat (unverified)
	CodeBadAppID     = 10003    // unknown app_id (unverified)
	CodeBadSecret    = 10014    // wrong app_secret (unverified)
)

// Config describes the fake tenant: one self-built app.
type Config struct {
	AppID     string
	AppSecret string
	TenantKey string
	// TokenTTL is the lifetime of issued tenant tokens; default 2 h as on
	// Feishu. Tests shorten it to force refreshes.
	TokenTTL time.Duration
	Now      func() time.Time
	// LongConn shapes the long-connection endpoint (ClientConfig, ack
	// timeout, connection limit).
	LongConn LongConnConfig
}

// Server is the fake Feishu open platform.
type Server struct {
	// Faults scripts misbehaviour of the next API requests (5xx, 429 with
	// x-ogw-ratelimit-reset, slow answers).
	Faults simulator.Faults
	// ConnFaults scripts misbehaviour of the next long-connection pushes:
	// Delay, Status ≠ 0 (the server closes the socket instead of pushing)
	// or Drop (the socket is cut right after the push, losing the ack).
	ConnFaults simulator.Faults

	cfg Config
	lc  LongConnConfig
	mux *http.ServeMux
	hub hub

	mu       sync.Mutex
	seq      int
	tokens   map[string]time.Time // issued token → expiry
	current  string
	issued   int
	messages map[string]*message // by message_id: sent by the app or posted to callbacks
	uuids    map[string]uuidHit
	sent     []Sent
	requests []Request
	refused  map[string]apiError // receive_id → error every send to it gets

	dir directory // contacts and message resources (directory.go)
}

// NewServer builds the fake.
func NewServer(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 2 * time.Hour
	}
	if cfg.TenantKey == "" {
		cfg.TenantKey = "tenant-sim"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), tokens: map[string]time.Time{},
		messages: map[string]*message{}, uuids: map[string]uuidHit{}, refused: map[string]apiError{}}
	s.lc = cfg.LongConn.withDefaults()
	s.hub.conns, s.hub.tickets, s.hub.byID = map[int]*wsConn{}, map[string]time.Time{}, map[string]*Pushed{}
	s.dir.init()
	s.routes()
	s.longConnRoutes()
	s.directoryRoutes()
	return s
}

func (s *Server) routes() {
	s.mux.Handle("POST /open-apis/auth/v3/tenant_access_token/internal", s.api(false, s.token))
	s.mux.Handle("POST /open-apis/im/v1/messages", s.api(true, s.send))
	s.mux.Handle("POST /open-apis/im/v1/messages/{message_id}/reply", s.api(true, s.reply))
	s.mux.Handle("PATCH /open-apis/im/v1/messages/{message_id}", s.api(true, s.patch))
	s.mux.Handle("/open-apis/", s.api(false, func(*http.Request) reply {
		return fail(http.StatusNotFound, 404, "not found (not simulated)")
	}))
	s.mux.HandleFunc("GET /_sim/sent", s.inspectSent)
	s.mux.HandleFunc("GET /_sim/requests", s.inspectRequests)
	s.mux.HandleFunc("POST /_sim/faults", addFaults(&s.Faults))
	s.mux.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
}

// ServeHTTP answers Feishu API requests and the /_sim/ inspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// reply is what an API handler answers; api writes and logs it.
type reply struct {
	status int
	code   int
	body   any
	header http.Header
}

// envelope is Feishu's common answer shape.
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data,omitempty"`
}

type apiError struct {
	status int
	code   int
	msg    string
}

func ok(data any) reply {
	return reply{status: http.StatusOK, body: envelope{Code: CodeOK, Msg: "success", Data: data}}
}

func fail(status, code int, msg string) reply {
	return reply{status: status, code: code, body: envelope{Code: code, Msg: msg}}
}

func failWith(e apiError) reply { return fail(e.status, e.code, e.msg) }

// api wraps a handler with the scripted faults, the token check and the
// request log every test can assert on.
func (s *Server) api(auth bool, h func(*http.Request) reply) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, faulty := s.Faults.Next(r.URL.Path)
		if faulty {
			simulator.Sleep(r.Context(), f.Delay)
		}
		var rep reply
		switch {
		case faulty && f.Status != 0:
			rep = faultReply(f)
		case auth:
			if e, bad := s.checkToken(r); bad {
				rep = failWith(e)
				break
			}
			rep = h(r)
		default:
			rep = h(r)
		}
		s.logRequest(r, rep)
		write(w, rep)
	})
}

// faultReply is how Feishu answers when throttled or broken: 429 carries
// code 99991400 and the seconds to wait in x-ogw-ratelimit-reset.
func faultReply(f simulator.Fault) reply {
	if f.Status == http.StatusTooManyRequests {
		rep := fail(f.Status, CodeRateLimited, "request trigger frequency limit")
		secs := max(int((f.RetryAfter+time.Second-1)/time.Second), 0)
		rep.header = http.Header{"X-Ogw-Ratelimit-Limit": {"50"}, "X-Ogw-Ratelimit-Reset": {strconv.Itoa(secs)}}
		return rep
	}
	return fail(f.Status, f.Status, fmt.Sprintf("simulated %d", f.Status))
}

func write(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	json.NewEncoder(w).Encode(rep.body)
}

// checkToken answers 99991663 for a token the fake did not issue or that
// has expired, which is what makes an adapter refresh.
func (s *Server) checkToken(r *http.Request) (apiError, bool) {
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || tok == "" {
		return apiError{http.StatusBadRequest, CodeTokenMissing, "missing access token for authorization"}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	if !known || !s.cfg.Now().Before(exp) {
		return apiError{http.StatusBadRequest, CodeTokenInvalid, "Invalid access token for authorization. Please make a request with token attached."}, true
	}
	return apiError{}, false
}

// nextID returns a fresh id with prefix, unique within this server.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%06d%d", prefix, s.seq, s.cfg.Now().UnixNano()%1e6)
}
