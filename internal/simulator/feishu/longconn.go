package feishu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Long-connection facts (reference §4.3; SDK ws/const.go).
const (
	PathEndpoint = "/callback/ws/endpoint"
	PathWS       = "/ws/v2"

	CodeWSSystemBusy  = 1
	CodeWSForbidden   = 403
	CodeWSAuthFailed  = 514
	CodeWSConnLimit   = 1000040350 // Handshake-Autherrcode: too many connections
	CodeWSInternalErr = 1000040343

	HeaderHandshakeStatus  = "Handshake-Status"
	HeaderHandshakeMsg     = "Handshake-Msg"
	HeaderHandshakeAuthErr = "Handshake-Autherrcode"
)

// ClientConfig is what the bootstrap (and each pong) tells a client: how
// to reconnect and how often to ping, in seconds.
type ClientConfig struct {
	ReconnectCount    int `json:"ReconnectCount"`
	ReconnectInterval int `json:"ReconnectInterval"`
	ReconnectNonce    int `json:"ReconnectNonce"`
	PingInterval      int `json:"PingInterval"`
}

// DefaultClientConfig is Feishu's: retry forever every 2 minutes after up
// to 30 s of jitter, ping every 2 minutes.
var DefaultClientConfig = ClientConfig{ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30, PingInterval: 120}

// LongConnConfig shapes the long-connection side of the fake.
type LongConnConfig struct {
	// Client is handed out by the bootstrap; nil means DefaultClientConfig.
	// Tests shorten it so reconnects take a second, not minutes.
	Client *ClientConfig
	// AckTimeout is how long an event may stay un-acked (or acked with a
	// code other than 200) before it is pushed again; Feishu's is 3 s.
	AckTimeout time.Duration
	// MaxPushes bounds the pushes of one event (first push included).
	MaxPushes int
	// MaxConnections per app; Feishu allows 50.
	MaxConnections int
	// FragmentSize: payloads longer than this are split into frames with
	// sum/seq headers. Default 64 KiB.
	FragmentSize int
	// EmptyPongs answers pings without a ClientConfig payload. The SDK's
	// v3.9.4 client applies a pong's config without its lock while its
	// ping loop reads it, a data race; tests of that client use this.
	EmptyPongs bool
}

func (c LongConnConfig) withDefaults() LongConnConfig {
	if c.Client == nil {
		cc := DefaultClientConfig
		c.Client = &cc
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 3 * time.Second
	}
	if c.MaxPushes <= 0 {
		c.MaxPushes = 10
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 50
	}
	if c.FragmentSize <= 0 {
		c.FragmentSize = 64 << 10
	}
	return c
}

// hub is the long-connection state of a Server.
type hub struct {
	mu        sync.Mutex
	conns     map[int]*wsConn
	nextConn  int
	tickets   map[string]time.Time
	pushed    []*Pushed
	byID      map[string]*Pushed
	rr        int
	refused   int // handshakes refused (bad ticket, over the limit)
	seq       uint64
	bootstrap int
}

// wsConn is one client connection.
type wsConn struct {
	id        int
	service   int32
	ws        *websocket.Conn
	wmu       sync.Mutex
	at        time.Time
	remote    string
	pings     int
	closeOnce sync.Once
}

func (c *wsConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.BinaryMessage, b)
}

// Conn is a connected client, for inspection.
type Conn struct {
	ID          int       `json:"id"`
	Remote      string    `json:"remote"`
	ConnectedAt time.Time `json:"connected_at"`
	Pings       int       `json:"pings"`
}

// Pushed is one event or card callback pushed over the long connection.
type Pushed struct {
	MessageID string          `json:"message_id"` // the frame's message_id header
	EventID   string          `json:"event_id"`
	Type      string          `json:"type"` // event or card
	Pushes    int             `json:"pushes"`
	Acked     bool            `json:"acked"`
	Code      int             `json:"code,omitempty"`     // of the last ack
	BizRT     string          `json:"biz_rt,omitempty"`   // handling time the client reported, ms
	Response  json.RawMessage `json:"response,omitempty"` // ack data: a card callback's answer
	AckedBy   int             `json:"acked_by,omitempty"` // connection id
	payload   []byte
	lastPush  time.Time
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096,
	CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) longConnRoutes() {
	s.mux.Handle("POST "+PathEndpoint, s.api(false, s.endpoint))
	s.mux.HandleFunc("GET "+PathWS, s.serveWS)
	s.mux.HandleFunc("GET /_sim/ws", s.inspectWS)
	s.mux.HandleFunc("POST /_sim/ws/push", s.pushHTTP)
	s.mux.HandleFunc("POST /_sim/ws/disconnect", s.disconnectHTTP)
	s.mux.HandleFunc("POST /_sim/ws/faults", addFaults(&s.ConnFaults))
}

// endpoint is the bootstrap: app credentials in, a one-time socket URL and
// the ClientConfig out. Failures answer HTTP 200 with Feishu's code.
func (s *Server) endpoint(r *http.Request) reply {
	var req struct{ AppID, AppSecret string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return fail(http.StatusBadRequest, CodeBadField, "body: "+err.Error())
	}
	if req.AppID != s.cfg.AppID || req.AppSecret != s.cfg.AppSecret {
		return reply{status: http.StatusOK, code: CodeWSAuthFailed, body: envelope{Code: CodeWSAuthFailed, Msg: "auth failed: app_id or app_secret is wrong"}}
	}
	s.hub.mu.Lock()
	s.hub.bootstrap++
	ticket := randomHex(16)
	s.hub.tickets[ticket] = s.cfg.Now().Add(5 * time.Minute)
	s.hub.nextConn++
	id := s.hub.nextConn
	s.hub.mu.Unlock()
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u := fmt.Sprintf("%s://%s%s?device_id=%d&service_id=%d&ticket=%s", scheme, r.Host, PathWS, id, 7000+id, ticket)
	return ok(map[string]any{"URL": u, "ClientConfig": s.lc.Client})
}

// serveWS upgrades a client that brings a fresh ticket, within the
// connection limit; refusals carry the Handshake-* headers the SDK reads.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, _ := strconv.Atoi(q.Get("device_id"))
	service, _ := strconv.Atoi(q.Get("service_id"))
	s.hub.mu.Lock()
	exp, known := s.hub.tickets[q.Get("ticket")]
	delete(s.hub.tickets, q.Get("ticket"))
	full := len(s.hub.conns) >= s.lc.MaxConnections
	if !known || !s.cfg.Now().Before(exp) || full {
		s.hub.refused++
	}
	s.hub.mu.Unlock()
	switch {
	case !known || !s.cfg.Now().Before(exp):
		refuse(w, "", "invalid or expired ticket: bootstrap again")
		return
	case full:
		refuse(w, strconv.Itoa(CodeWSConnLimit), fmt.Sprintf("exceed connection limit (%d per app)", s.lc.MaxConnections))
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{id: id, service: int32(service), ws: ws, at: s.cfg.Now(), remote: r.RemoteAddr}
	s.hub.mu.Lock()
	s.hub.conns[id] = c
	s.hub.mu.Unlock()
	go s.readLoop(c)
	go s.flush() // events waiting for a client
}

func refuse(w http.ResponseWriter, authErr, msg string) {
	w.Header().Set(HeaderHandshakeStatus, strconv.Itoa(CodeWSAuthFailed))
	w.Header().Set(HeaderHandshakeMsg, msg)
	if authErr != "" {
		w.Header().Set(HeaderHandshakeAuthErr, authErr)
	}
	w.WriteHeader(http.StatusForbidden)
}

// readLoop answers pings and records acks until the connection ends.
func (s *Server) readLoop(c *wsConn) {
	defer s.forget(c)
	for {
		mt, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if mt != websocket.BinaryMessage {
			continue
		}
		f, err := UnmarshalFrame(b)
		if err != nil {
			continue
		}
		switch {
		case f.Method == MethodControl && f.Header("type") == "ping":
			s.pong(c, f)
		case f.Method == MethodData:
			s.ack(c, f)
		}
	}
}

func (s *Server) pong(c *wsConn, ping Frame) {
	s.hub.mu.Lock()
	c.pings++
	s.hub.mu.Unlock()
	var cfg []byte
	if !s.lc.EmptyPongs {
		cfg, _ = json.Marshal(s.lc.Client)
	}
	f := Frame{SeqID: ping.SeqID, LogID: ping.LogID, Service: ping.Service, Method: MethodControl,
		Headers: []FrameHeader{{"type", "pong"}}, Payload: cfg}
	c.write(f.Marshal())
}

// ack records a client's answer to a pushed frame: the same frame back,
// with biz_rt and a JSON payload {"code":200,"headers":{},"data":…}.
func (s *Server) ack(c *wsConn, f Frame) {
	var resp struct {
		Code int    `json:"code"`
		Data []byte `json:"data"`
	}
	if err := json.Unmarshal(f.Payload, &resp); err != nil {
		resp.Code = -1
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	p, ok := s.hub.byID[f.Header("message_id")]
	if !ok || p.Acked {
		return
	}
	p.Code, p.BizRT = resp.Code, f.Header("biz_rt")
	if resp.Code == http.StatusOK {
		p.Acked, p.AckedBy = true, c.id
		if len(resp.Data) > 0 {
			p.Response = json.RawMessage(resp.Data)
		}
	}
}

func (s *Server) forget(c *wsConn) {
	c.closeOnce.Do(func() { c.ws.Close() })
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if s.hub.conns[c.id] == c {
		delete(s.hub.conns, c.id)
	}
}

// Connections lists the connected clients by id.
func (s *Server) Connections() []Conn {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	out := make([]Conn, 0, len(s.hub.conns))
	for _, c := range s.hub.conns {
		out = append(out, Conn{ID: c.id, Remote: c.remote, ConnectedAt: c.at, Pings: c.pings})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Pushes lists what was pushed over long connections, in order.
func (s *Server) Pushes() []Pushed {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	out := make([]Pushed, len(s.hub.pushed))
	for i, p := range s.hub.pushed {
		out[i] = *p
	}
	return out
}

// Bootstraps counts successful POST /callback/ws/endpoint answers.
func (s *Server) Bootstraps() int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.bootstrap
}

// RefusedHandshakes counts socket upgrades refused.
func (s *Server) RefusedHandshakes() int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.refused
}

// Disconnect ends every connection from the server side: drop=false sends
// a close frame first (a server restart), drop=true just cuts the TCP
// connection (a network failure). It returns how many were ended.
func (s *Server) Disconnect(drop bool) int {
	s.hub.mu.Lock()
	conns := make([]*wsConn, 0, len(s.hub.conns))
	for _, c := range s.hub.conns {
		conns = append(conns, c)
	}
	s.hub.mu.Unlock()
	for _, c := range conns {
		s.end(c, drop)
	}
	return len(conns)
}

func (s *Server) end(c *wsConn, drop bool) {
	if !drop {
		c.wmu.Lock()
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "simulated server restart"),
			time.Now().Add(time.Second))
		c.wmu.Unlock()
	}
	s.forget(c)
}

// Close ends every connection; hijacked sockets outlive httptest.Server.Close.
func (s *Server) Close() { s.Disconnect(true) }
