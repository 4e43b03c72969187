package dingtalk

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"switchboard/internal/simulator"
)

// Request is one request the fake answered, faults included.
type Request struct {
	At     time.Time `json:"at"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	Code   string    `json:"code,omitempty"` // new-API code or old-API errcode; "" for success
}

func (s *Server) logRequest(r *http.Request, rep reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{At: s.cfg.Now(), Method: r.Method, Path: r.URL.Path, Status: rep.status, Code: rep.code})
}

// Sent lists everything the app delivered, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// SentSince lists what the app delivered after the first n, so that a
// watcher (switchboard simulate) can print each delivery once as it arrives.
func (s *Server) SentSince(n int) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent[min(max(n, 0), len(s.sent)):])
}

// SentTo lists what reached a conversation (by conversationId) or a user
// ("user:<staffId>": 1:1 sends and robot-chat cards), card updates aside.
func (s *Server) SentTo(dest string) []Sent {
	staff, isUser := strings.CutPrefix(dest, "user:")
	var out []Sent
	for _, m := range s.Sent() {
		switch {
		case m.Op == "card_update":
		case m.ConversationID == dest:
			out = append(out, m)
		case isUser && m.Op == "oto" && slices.Contains(m.UserIDs, staff):
			out = append(out, m)
		}
	}
	return out
}

// Requests lists every request answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// CountCode counts the answers that carried code ("401" style statuses
// are not codes: use Requests for those).
func (s *Server) CountCode(code string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Code == code {
			n++
		}
	}
	return n
}

func (s *Server) inspectSent(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"items": s.Sent(), "token_requests": s.TokenRequests()})
}

func (s *Server) inspectRequests(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"items": s.Requests()})
}

// addFaults serves POST /_sim/faults {"count":1,"status":429,"path":"/v1.0/robot/"}.
func (s *Server) addFaults(w http.ResponseWriter, r *http.Request) {
	n, f, err := simulator.DecodeFault(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.Faults.Add(n, f)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
