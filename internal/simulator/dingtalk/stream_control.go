package dingtalk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// StreamBotMessage pushes a robot message over Stream (topic
// /v1.0/im/bot/messages/get; data is the same JSON as the HTTP callback)
// and returns the frame's messageId. Build cb with Callbacks.Message so
// that its sessionWebhook works.
func (s *Server) StreamBotMessage(cb Callback) string {
	return s.stream.push("CALLBACK", TopicBotMessage, nil, cb)
}

// StreamEvent pushes an event subscription event and returns its
// messageId. EVENT frames carry topic "*" (what apps subscribe to, and
// what the SDK routes on) and the event's type in the eventType header;
// faults match that type.
func (s *Server) StreamEvent(eventType string, data any) string {
	now := strconv.FormatInt(s.cfg.Now().UnixMilli(), 10)
	return s.stream.push("EVENT", "*", map[string]string{"eventId": "ev-" + randomHex(12), "eventType": eventType,
		"eventBornTime": now, "eventCorpId": "dingsimcorp", "eventUnifiedAppId": s.cfg.AppKey}, data)
}

// CardAction is a user's click on an interactive card.
type CardAction struct {
	OutTrackID string
	UserID     string         // the clicking user's staffId
	ActionIDs  []string       // the components that fired
	Params     map[string]any // the card's action values
}

// StreamCardAction pushes a card interaction (topic
// /v1.0/card/instances/callback) for a card the app created with
// callbackType STREAM, as DingTalk does for no other card.
func (s *Server) StreamCardAction(a CardAction) (string, error) {
	s.mu.Lock()
	c, known := s.cards[a.OutTrackID]
	s.mu.Unlock()
	switch {
	case !known:
		return "", fmt.Errorf("no card with outTrackId %q", a.OutTrackID)
	case c.CallbackType != "STREAM":
		return "", fmt.Errorf("card %q was created with callbackType %q: DingTalk sends its clicks over Stream only for \"STREAM\"", a.OutTrackID, c.CallbackType)
	}
	content, _ := json.Marshal(map[string]any{"cardPrivateData": map[string]any{"actionIds": a.ActionIDs, "params": a.Params}})
	body := map[string]any{"outTrackId": a.OutTrackID, "corpId": "dingsimcorp", "userId": a.UserID, "userIdType": 1,
		"type": "actionCallback", "spaceType": c.SpaceType, "spaceId": c.SpaceID, "content": string(content), "extension": "{}"}
	return s.stream.push("CALLBACK", TopicCardCallback, nil, body), nil
}

// StreamPing sends a SYSTEM ping with an opaque value to every
// connection; the app must echo it.
func (s *Server) StreamPing() {
	for _, c := range s.stream.liveConns() {
		s.stream.system(c, "ping", map[string]string{"opaque": randomHex(8)})
	}
}

// StreamDisconnect tells every connection to go away (SYSTEM disconnect)
// and closes each DisconnectGrace later; no new frame goes to them meanwhile.
func (s *Server) StreamDisconnect() {
	for _, c := range s.stream.liveConns() {
		s.stream.mu.Lock()
		c.draining = true
		s.stream.mu.Unlock()
		s.stream.system(c, "disconnect", map[string]string{"reason": "simulated server-initiated disconnect"})
		time.AfterFunc(s.stream.cfg.DisconnectGrace, func() { c.ws.Close() })
	}
}

// StreamDrop cuts every connection's TCP connection without a close
// frame: a network drop.
func (s *Server) StreamDrop() {
	for _, c := range s.stream.liveConns() {
		c.ws.UnderlyingConn().Close()
	}
}

// StreamFrames lists every pushed frame and its fate, in push order.
func (s *Server) StreamFrames() []FrameRecord {
	h := s.stream
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]FrameRecord, len(h.records))
	for i, r := range h.records {
		out[i] = *r
		out[i].Conns = slices.Clone(r.Conns)
	}
	return out
}

// StreamFrame returns the record of the frame with messageId id.
func (s *Server) StreamFrame(id string) (FrameRecord, bool) {
	for _, f := range s.StreamFrames() {
		if f.MessageID == id {
			return f, true
		}
	}
	return FrameRecord{}, false
}

// StreamConns lists the live connections.
func (s *Server) StreamConns() []ConnInfo {
	var out []ConnInfo
	h := s.stream
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		out = append(out, ConnInfo{ID: c.id, Opened: c.opened, Subscriptions: c.subs, Draining: c.draining})
	}
	return out
}

// StreamConnects counts the connections accepted so far.
func (s *Server) StreamConnects() int {
	s.stream.mu.Lock()
	defer s.stream.mu.Unlock()
	return s.stream.connects
}

func (h *streamHub) liveConns() []*streamConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(h.conns), func(c *streamConn) bool { return c.draining })
}

// system writes a SYSTEM frame to one connection.
func (h *streamHub) system(c *streamConn, topic string, data any) {
	b, _ := json.Marshal(data)
	h.mu.Lock()
	h.seq++
	id := "sys-" + strconv.Itoa(h.seq) + "-" + randomHex(6)
	rec := &FrameRecord{MessageID: id, Type: "SYSTEM", Topic: topic, Attempts: 1, Conns: []int{c.id}, Outcome: OutcomePushed, PushedAt: h.now()}
	h.records = append(h.records, rec)
	d := &delivery{frame: Frame{SpecVersion: "1.0", Type: "SYSTEM", Data: string(b), Headers: map[string]string{"topic": topic,
		"messageId": id, "contentType": "application/json", "time": strconv.FormatInt(h.now().UnixMilli(), 10)}}, rec: rec, conn: c, attempt: 1}
	h.live[id] = d
	h.mu.Unlock()
	c.send(d.frame)
	time.AfterFunc(h.cfg.AckTimeout, func() { h.timeout(d, 1) })
}

// streamRoutes are the Stream gateway and its /_sim/ controls.
func (s *Server) streamRoutes() {
	s.mux.Handle("POST /v1.0/gateway/connections/open", s.api(newAPI, false, s.openConnection))
	s.mux.HandleFunc("GET "+streamPath, s.connect)
	s.mux.HandleFunc("GET /_sim/stream", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"connections": s.StreamConns(), "connects": s.StreamConnects(), "frames": s.StreamFrames()})
	})
	s.control("/_sim/stream/disconnect", s.StreamDisconnect)
	s.control("/_sim/stream/drop", s.StreamDrop)
	s.control("/_sim/stream/ping", s.StreamPing)
	s.mux.HandleFunc("POST /_sim/stream/message", s.pushMessage)
}

// pushMessage serves POST /_sim/stream/message {"text":…,
// "conversation_type":"2", "conversation_id":…, "title":…,
// "sender_staff_id":…, "sender_nick":…}: a robot message over Stream, for
// rehearsals driven from outside the process.
func (s *Server) pushMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text             string `json:"text"`
		ConversationType string `json:"conversation_type"`
		ConversationID   string `json:"conversation_id"`
		Title            string `json:"title"`
		SenderStaffID    string `json:"sender_staff_id"`
		SenderNick       string `json:"sender_nick"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Text == "" {
		http.Error(w, `want {"text": …} and optional conversation_type, conversation_id, title, sender_staff_id, sender_nick`, http.StatusBadRequest)
		return
	}
	cb := (&Callbacks{RobotCode: s.cfg.RobotCode, Server: s}).Message(Message{Text: in.Text, ConversationType: in.ConversationType,
		ConversationID: in.ConversationID, Title: in.Title, SenderStaffID: in.SenderStaffID, SenderNick: in.SenderNick})
	writeJSON(w, map[string]string{"message_id": s.StreamBotMessage(cb), "msg_id": cb.MsgID})
}
