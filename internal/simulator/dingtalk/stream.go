package dingtalk

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Stream mode (reference §3.3): the app asks POST
// /v1.0/gateway/connections/open for an endpoint and a single-use ticket,
// dials endpoint?ticket=…, and then gets JSON frames it must ack one by
// one. The fake hands out ws://<its own host>/connect.
const (
	TopicBotMessage   = "/v1.0/im/bot/messages/get"
	TopicCardCallback = "/v1.0/card/instances/callback"
	ticketTTL         = 90 * time.Second
	streamPath        = "/connect"
)

// Subscription is one entry of the connections/open request.
type Subscription struct {
	Type  string `json:"type"` // EVENT or CALLBACK
	Topic string `json:"topic"`
}

// StreamConfig tunes the fake's Stream gateway; zero values are the
// defaults noted on each field.
type StreamConfig struct {
	// AckTimeout: an EVENT frame not acked by then is pushed again, to any
	// connection. Default 5 s (DingTalk documents a timeout re-push, not
	// its length).
	AckTimeout time.Duration
	// RetryDelay: an EVENT acked LATER is pushed again after it. Default 5 s.
	RetryDelay time.Duration
	// DisconnectGrace is how long after a SYSTEM disconnect frame the
	// server closes the socket: 10 s on DingTalk; tests shorten it.
	DisconnectGrace time.Duration
	// RedeliverCallbacks makes CALLBACK frames (bot messages, card
	// actions) behave like events: re-pushed when not acked. DingTalk
	// documents bot messages as fire-and-forget, so by default the fake
	// pushes them once and records an un-acked one as lost — see
	// FrameRecord.Outcome.
	RedeliverCallbacks bool
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.AckTimeout <= 0 {
		c.AckTimeout = 5 * time.Second
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = 5 * time.Second
	}
	if c.DisconnectGrace <= 0 {
		c.DisconnectGrace = 10 * time.Second
	}
	return c
}

// ticket is a connections/open answer not yet dialled.
type ticket struct {
	expires time.Time
	subs    []Subscription
}

// openConnection serves POST /v1.0/gateway/connections/open.
func (s *Server) openConnection(r *http.Request) reply {
	var in struct {
		ClientID      string         `json:"clientId"`
		ClientSecret  string         `json:"clientSecret"`
		Subscriptions []Subscription `json:"subscriptions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, "invalid request body: "+err.Error())
	}
	if in.ClientID != s.cfg.AppKey || in.ClientSecret != s.cfg.AppSecret {
		return fail(http.StatusUnauthorized, CodeBadSecret, "clientId 或 clientSecret 不正确")
	}
	for _, sub := range in.Subscriptions {
		if sub.Type != "EVENT" && sub.Type != "CALLBACK" && sub.Type != "SYSTEM" || sub.Topic == "" {
			return fail(http.StatusBadRequest, CodeBadParameter, "subscription type must be EVENT or CALLBACK, with a topic")
		}
	}
	if len(in.Subscriptions) == 0 {
		return fail(http.StatusBadRequest, CodeBadParameter, "subscriptions must not be empty")
	}
	tk := "tk-" + randomHex(16)
	s.stream.addTicket(tk, ticket{expires: s.cfg.Now().Add(ticketTTL), subs: in.Subscriptions})
	return ok(map[string]string{"endpoint": s.wsURL(r) + streamPath, "ticket": tk})
}

// wsURL is the ws:// form of where the fake listens.
func (s *Server) wsURL(r *http.Request) string {
	s.mu.Lock()
	base := s.cfg.URL
	s.mu.Unlock()
	if base == "" {
		base = "http://" + r.Host
	}
	return "ws" + strings.TrimPrefix(base, "http")
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// connect serves GET /connect?ticket=…: a ticket is good once, for 90 s.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	tk, ok := s.stream.takeTicket(r.URL.Query().Get("ticket"), s.cfg.Now())
	if !ok {
		s.logRequest(r, fail(http.StatusUnauthorized, "invalidTicket", ""))
		write(w, fail(http.StatusUnauthorized, "invalidTicket", "ticket 不存在、已使用或已过期 (unknown, used or older than 90 s)"))
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.logRequest(r, ok101)
	c := s.stream.attach(ws, tk.subs, s.cfg.Now())
	c.readAcks(s.stream)
}

var ok101 = reply{status: http.StatusSwitchingProtocols}

// streamConn is one app connection.
type streamConn struct {
	id       int
	ws       *websocket.Conn
	subs     []Subscription
	opened   time.Time
	wmu      sync.Mutex // gorilla allows one writer at a time
	draining bool       // got a disconnect frame: no new frames (hub.mu)
	closed   bool       // hub.mu
}

// subscribed reports whether the connection takes frames of typ/topic;
// EVENT "*" takes every event.
func (c *streamConn) subscribed(typ, topic string) bool {
	for _, s := range c.subs {
		if s.Type == typ && (s.Topic == topic || typ == "EVENT" && s.Topic == "*") {
			return true
		}
	}
	return false
}

func (c *streamConn) send(f Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(f)
}

// readAcks reads the app's acks until the connection ends.
func (c *streamConn) readAcks(h *streamHub) {
	defer h.detach(c)
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var a Ack
		if json.Unmarshal(raw, &a) == nil {
			h.acked(c, a)
		}
	}
}
