// Package dingtalk is a fake of the DingTalk (钉钉) open platform's server
// side, built from shared/reference/platform-protocols.md §3: the access
// token endpoints, the robot's proactive 1:1 and group send APIs, the
// per-conversation sessionWebhook it hands out in callbacks, the custom
// (group webhook) robot with its signed URL, interactive cards created and
// updated by outTrackId, scripted faults, and generators of correctly
// signed robot callbacks and encrypted event-subscription callbacks, and
// the Stream-mode gateway (connections/open, the websocket with its JSON
// frames, acks, re-pushes and server-initiated disconnects; stream*.go).
// Server is an http.Handler serving both hosts (api.dingtalk.com and
// oapi.dingtalk.com), so a test mounts it once with httptest.NewServer and
// points both of a channel's base URLs at it.
//
// DingTalk answers in two shapes: the new API (api.dingtalk.com) with an
// HTTP status and {code, message, requestid} on errors, the old one
// (oapi.dingtalk.com: webhooks, gettoken) with HTTP 200 and {errcode,
// errmsg}. Codes marked "unverified" are plausible stand-ins where the
// reference gives none; an adapter under test must rely only on the
// documented ones (HTTP 401/429/5xx, 90002/90018/90019, 130101,
// flowControlledStaffIdList, invalidStaffIdList).
package dingtalk

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

// New-API error codes the simulator answers with.
const (
	CodeTokenInvalid  = "InvalidAuthentication" // HTTP 401 (unverified code name)
	CodeThrottled     = "90018"                 // per-app QPS limit, documented
	CodeBadParameter  = "InvalidParameter"      // unverified
	CodeBadSecret     = "invalidClientSecret"   // token request refused (unverified)
	CodeStaffNotExist = "staffId.notExisted"    // documented as permanent
	CodeNotInGroup    = "robot.notInGroup"      // unverified
	CodeNoCard        = "card.notExist"         // unverified
)

// Old-API (oapi) errcodes of webhook answers.
const (
	ErrcodeOK          = 0
	ErrcodeBusy        = -1     // system busy (unverified for this path)
	ErrcodeNoToken     = 300001 // access_token / session does not exist or expired (unverified)
	ErrcodeBadSign     = 310000 // sign or timestamp refused
	ErrcodeSendTooFast = 130101 // over 20 messages a minute, documented
)

// Config describes the fake organisation: one internal app with a robot.
type Config struct {
	AppKey    string
	AppSecret string
	RobotCode string // default AppKey, as for internal apps
	// TokenTTL is the lifetime of issued access tokens; default 7200 s as on
	// DingTalk. Tests shorten it to force refreshes.
	TokenTTL time.Duration
	// SessionTTL is how long a sessionWebhook handed out in a callback
	// stays valid; default 90 minutes (the reference's example).
	SessionTTL time.Duration
	// URL is where this server is reachable; session webhooks point at it.
	// SetURL sets it once the listener is up.
	URL string
	Now func() time.Time
	// Stream tunes the Stream-mode gateway (timeouts, redelivery).
	Stream StreamConfig
}

// Server is the fake DingTalk open platform.
type Server struct {
	// Faults scripts misbehaviour of the next requests (5xx, 429 → 90018 or
	// 130101, slow answers).
	Faults simulator.Faults

	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	seq      int
	tokens   map[string]time.Time // issued token → expiry
	current  string
	issued   int
	convs    map[string]*conversation // by conversationId
	sessions map[string]session       // by session token
	robots   map[string]customRobot   // by access_token
	cards    map[string]*Card         // by outTrackId
	sent     []Sent
	requests []Request
	refused  map[string]apiError // openConversationId or staffId → error
	flow     map[string]int      // staffId → sends still flow-controlled

	stream *streamHub
	dir    directory // contacts and message files (directory.go)
}

// NewServer builds the fake.
func NewServer(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 7200 * time.Second
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 90 * time.Minute
	}
	if cfg.RobotCode == "" {
		cfg.RobotCode = cfg.AppKey
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	s := &Server{cfg: cfg, mux: http.NewServeMux(), tokens: map[string]time.Time{}, convs: map[string]*conversation{},
		sessions: map[string]session{}, robots: map[string]customRobot{}, cards: map[string]*Card{},
		refused: map[string]apiError{}, flow: map[string]int{}}
	s.stream = newStreamHub(cfg.Stream, cfg.Now, &s.Faults)
	s.dir.init()
	s.routes()
	s.directoryRoutes()
	return s
}

func (s *Server) routes() {
	s.mux.Handle("POST /v1.0/oauth2/accessToken", s.api(newAPI, false, s.accessToken))
	s.mux.Handle("GET /gettoken", s.api(oldAPI, false, s.getToken))
	s.mux.Handle("POST /v1.0/robot/oToMessages/batchSend", s.api(newAPI, true, s.batchSend))
	s.mux.Handle("POST /v1.0/robot/groupMessages/send", s.api(newAPI, true, s.groupSend))
	s.mux.Handle("POST /v1.0/card/instances/createAndDeliver", s.api(newAPI, true, s.createCard))
	s.mux.Handle("PUT /v1.0/card/instances", s.api(newAPI, true, s.updateCard))
	s.mux.Handle("POST /robot/sendBySession", s.api(oldAPI, false, s.sessionSend))
	s.mux.Handle("POST /robot/send", s.api(oldAPI, false, s.customSend))
	s.streamRoutes()
	s.mux.Handle("/v1.0/", s.api(newAPI, false, func(*http.Request) reply {
		return fail(http.StatusNotFound, "NotFound", "not found (not simulated)")
	}))
	s.mux.HandleFunc("GET /_sim/sent", s.inspectSent)
	s.mux.HandleFunc("GET /_sim/requests", s.inspectRequests)
	s.mux.HandleFunc("POST /_sim/faults", s.addFaults)
	s.control("/_sim/expire-tokens", s.ExpireTokens)
	s.control("/_sim/expire-sessions", s.ExpireSessions)
}

// control serves POST path by calling do and answering 204.
func (s *Server) control(path string, do func()) {
	s.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		do()
		w.WriteHeader(http.StatusNoContent)
	})
}

// ServeHTTP answers DingTalk API requests and the /_sim/ inspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetURL tells the fake where it listens, for the session webhooks it
// hands out. Call it before generating callbacks.
func (s *Server) SetURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.URL = strings.TrimRight(u, "/")
}

// flavour is which of DingTalk's two API generations a route belongs to;
// it decides the shape of error answers.
type flavour int

const (
	newAPI flavour = iota // api.dingtalk.com: HTTP status + {code, message}
	oldAPI                // oapi.dingtalk.com: HTTP 200 + {errcode, errmsg}
)

// reply is what a handler answers; api writes and logs it.
type reply struct {
	status int
	code   string // new-API code or old-API errcode, for the request log
	body   any
	header http.Header
}

type apiError struct {
	status int
	code   string
	msg    string
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// fail is a new-API error answer.
func fail(status int, code, msg string) reply {
	return reply{status: status, code: code, body: map[string]string{"code": code, "message": msg, "requestid": requestID()}}
}

func failWith(e apiError) reply { return fail(e.status, e.code, e.msg) }

// oapiAnswer is an old-API answer: always HTTP 200, the outcome in errcode.
func oapiAnswer(errcode int, msg string) reply {
	code := ""
	if errcode != ErrcodeOK {
		code = strconv.Itoa(errcode)
	}
	return reply{status: http.StatusOK, code: code, body: map[string]any{"errcode": errcode, "errmsg": msg}}
}

// api wraps a handler with the scripted faults, the token check and the
// request log every test can assert on.
func (s *Server) api(fl flavour, auth bool, h func(*http.Request) reply) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, faulty := s.Faults.Next(r.URL.Path)
		if faulty {
			simulator.Sleep(r.Context(), f.Delay)
		}
		if faulty && f.Drop {
			dropConn(w)
			return
		}
		var rep reply
		switch {
		case faulty && f.Status != 0:
			rep = faultReply(fl, f)
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

// faultReply is how DingTalk answers when throttled or broken. The new API
// throttles with HTTP 429 and code 90018; the robot webhooks answer 200
// with errcode 130101 "send too fast". DingTalk documents no Retry-After;
// the fake sends one only when a test scripts it.
func faultReply(fl flavour, f simulator.Fault) reply {
	throttled := f.Status == http.StatusTooManyRequests
	var rep reply
	switch {
	case fl == oldAPI && throttled:
		rep = oapiAnswer(ErrcodeSendTooFast, "send too fast, exceed 20 times per minute")
	case fl == oldAPI:
		rep = oapiAnswer(ErrcodeBusy, "系统繁忙")
		rep.status = f.Status
	case throttled:
		rep = fail(f.Status, CodeThrottled, "请求被限流 (app QPS limit)")
	default:
		rep = fail(f.Status, "ServiceUnavailable", fmt.Sprintf("simulated %d", f.Status))
	}
	if f.RetryAfter > 0 {
		rep.header = http.Header{"Retry-After": {strconv.Itoa(int((f.RetryAfter + time.Second - 1) / time.Second))}}
	}
	return rep
}

func write(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(rep.status)
	json.NewEncoder(w).Encode(rep.body)
}

// checkToken answers 401 for a token the fake did not issue or that has
// expired, which is what makes an adapter refresh.
func (s *Server) checkToken(r *http.Request) (apiError, bool) {
	tok := r.Header.Get("x-acs-dingtalk-access-token")
	if tok == "" {
		return apiError{http.StatusUnauthorized, CodeTokenInvalid, "缺少 x-acs-dingtalk-access-token"}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	if !known || !s.cfg.Now().Before(exp) {
		return apiError{http.StatusUnauthorized, CodeTokenInvalid, "不合法的access_token"}, true
	}
	return apiError{}, false
}

// nextID returns a fresh id with prefix, unique within this server.
// Callers hold s.mu.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%06d%d", prefix, s.seq, s.cfg.Now().UnixNano()%1e6)
}

func requestID() string { return randomHex(8) }

// dropConn closes a request's connection without an answer.
func dropConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	}
}
