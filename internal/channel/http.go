package channel

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/errcode"
)

// WriteError answers with the catalogue's JSON error body.
func WriteError(w http.ResponseWriter, e *errcode.Error) {
	msg := e.Message
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": e.Code, "message": msg}})
}

// ParseRetryAfter reads a Retry-After header in seconds or HTTP-date form.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// NewHTTPClient is the client channels call platforms with. Outbound
// traffic goes to a few API hosts with many sends in flight at once, so it
// keeps that many connections alive per host (the standard transport keeps
// two, and opens and closes a connection per send beyond that).
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: 20 * time.Second, Transport: t}
}
