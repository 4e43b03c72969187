package feishu

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"switchboard/internal/simulator"
)

// Request is one API request the fake answered, faults included.
type Request struct {
	At     time.Time `json:"at"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	Code   int       `json:"code"`
}

func (s *Server) logRequest(r *http.Request, rep reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{At: s.cfg.Now(), Method: r.Method, Path: r.URL.Path, Status: rep.status, Code: rep.code})
}

// Sent lists what the app sent, replied and updated, in order. A send
// repeated with the same uuid within the hour appears once.
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

// SentTo lists the sends and replies that went to a chat.
func (s *Server) SentTo(chatID string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.ChatID == chatID && m.Op != "update" {
			out = append(out, m)
		}
	}
	return out
}

// Requests lists every API request answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Content is a message's current content, after any updates.
func (s *Server) Content(messageID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok {
		return "", false
	}
	return m.content, true
}

func (s *Server) inspectSent(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"items": s.Sent(), "token_requests": s.TokenRequests()})
}

func (s *Server) inspectRequests(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"items": s.Requests()})
}

// addFaults serves POST /_sim/faults (API requests) and /_sim/ws/faults
// (long-connection pushes): {"count":1,"status":429,"retry_after":"3s"}.
func addFaults(q *simulator.Faults) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, f, err := simulator.DecodeFault(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q.Add(n, f)
		w.WriteHeader(http.StatusNoContent)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
