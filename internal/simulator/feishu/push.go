package feishu

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Frame types of data frames.
const (
	TypeEvent = "event"
	TypeCard  = "card"
)

// PushEvent pushes ev over a long connection (frame type "event") to one
// connected client, as Feishu does in cluster mode, and keeps pushing it
// until a client acks it with code 200. It returns the frame message_id.
func (s *Server) PushEvent(ev Event) string { return s.push(TypeEvent, ev.Header.EventID, ev) }

// PushCard pushes a card callback as a frame of type "card".
func (s *Server) PushCard(ev Event) string { return s.push(TypeCard, ev.Header.EventID, ev) }

func (s *Server) push(typ, eventID string, payload any) string {
	b, _ := json.Marshal(payload)
	p := &Pushed{MessageID: randomHex(10), EventID: eventID, Type: typ, payload: b}
	s.hub.mu.Lock()
	s.hub.pushed = append(s.hub.pushed, p)
	s.hub.byID[p.MessageID] = p
	s.hub.mu.Unlock()
	s.deliver(p)
	return p.MessageID
}

// deliver pushes p to the next connected client unless it was acked, and
// checks again after the ack timeout: an event nobody acked in time is
// pushed again, perhaps to another client.
func (s *Server) deliver(p *Pushed) {
	s.hub.mu.Lock()
	if p.Acked || p.Pushes >= s.lc.MaxPushes {
		s.hub.mu.Unlock()
		return
	}
	c := s.pick()
	if c == nil { // flush pushes it when a client connects
		s.hub.mu.Unlock()
		return
	}
	p.Pushes++
	p.lastPush = s.cfg.Now()
	s.hub.mu.Unlock()
	time.AfterFunc(s.lc.AckTimeout, func() { s.deliver(p) })
	s.pushTo(c, p)
}

// flush pushes what waits for a client: events never pushed, and events
// whose ack is overdue while no client was connected.
func (s *Server) flush() {
	s.hub.mu.Lock()
	var waiting []*Pushed
	due := s.cfg.Now().Add(-s.lc.AckTimeout)
	for _, p := range s.hub.pushed {
		if !p.Acked && (p.Pushes == 0 || p.lastPush.Before(due)) {
			waiting = append(waiting, p)
		}
	}
	s.hub.mu.Unlock()
	for _, p := range waiting {
		s.deliver(p)
	}
}

// pick chooses a connected client round-robin; nil when none is. The
// caller holds hub.mu.
func (s *Server) pick() *wsConn {
	if len(s.hub.conns) == 0 {
		return nil
	}
	ids := make([]int, 0, len(s.hub.conns))
	for id := range s.hub.conns {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	s.hub.rr++
	return s.hub.conns[ids[s.hub.rr%len(ids)]]
}

// pushTo writes p's frames to c, applying the next scripted ConnFaults: a
// delay, a server-initiated close instead of the push (Status ≠ 0), or a
// dropped connection right after the push (Drop), which loses the ack.
func (s *Server) pushTo(c *wsConn, p *Pushed) {
	f, faulty := s.ConnFaults.Next(PathWS)
	if faulty {
		time.Sleep(f.Delay)
		if f.Status != 0 {
			s.end(c, false)
			return
		}
	}
	for _, fr := range s.frames(c, p) {
		if err := c.write(fr.Marshal()); err != nil {
			s.forget(c)
			return
		}
	}
	if faulty && f.Drop {
		s.end(c, true)
	}
}

// frames splits p's payload into data frames of at most FragmentSize bytes.
func (s *Server) frames(c *wsConn, p *Pushed) []Frame {
	parts := [][]byte{}
	for b := p.payload; len(b) > 0; {
		n := min(len(b), s.lc.FragmentSize)
		parts, b = append(parts, b[:n]), b[n:]
	}
	s.hub.mu.Lock()
	s.hub.seq++
	seq := s.hub.seq
	s.hub.mu.Unlock()
	now := strconv.FormatInt(s.cfg.Now().UnixMilli(), 10)
	out := make([]Frame, len(parts))
	for i, part := range parts {
		out[i] = Frame{SeqID: seq, LogID: seq, Service: c.service, Method: MethodData, Payload: part,
			Headers: []FrameHeader{{"type", p.Type}, {"message_id", p.MessageID}, {"sum", strconv.Itoa(len(parts))},
				{"seq", strconv.Itoa(i)}, {"trace_id", randomHex(8)}, {"timestamp", now}}}
	}
	return out
}

// pushHTTP serves POST /_sim/ws/push: a message from a user, pushed over
// the long connection. Body: {"chat_id","chat_type","text","open_id"}.
func (s *Server) pushHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ChatID   string `json:"chat_id"`
		ChatType string `json:"chat_type"`
		Text     string `json:"text"`
		OpenID   string `json:"open_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ev := s.Events().MessageReceived(Message{ChatID: m.ChatID, ChatType: m.ChatType, Text: m.Text, Sender: UserID{OpenID: m.OpenID}})
	writeJSON(w, map[string]string{"message_id": s.PushEvent(ev), "event_id": ev.Header.EventID})
}

// disconnectHTTP serves POST /_sim/ws/disconnect[?drop=true].
func (s *Server) disconnectHTTP(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]int{"ended": s.Disconnect(r.URL.Query().Get("drop") == "true")})
}

func (s *Server) inspectWS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"connections": s.Connections(), "pushes": s.Pushes(),
		"bootstraps": s.Bootstraps(), "refused_handshakes": s.RefusedHandshakes()})
}

// Events builds events as this app's tenant would receive them, for
// pushing over the long connection (no token: the socket is the app's).
func (s *Server) Events() *Callbacks {
	return &Callbacks{AppID: s.cfg.AppID, TenantKey: s.cfg.TenantKey, Now: s.cfg.Now, Server: s}
}
