// Package simulator holds what the fake platforms share. Each platform is a
// sibling folder (internal/simulator/feishu, later dingtalk, wecom, slack)
// that speaks that platform's documented wire protocol — token endpoints,
// send/update APIs that record what they got, callback generators — so that
// tests, `switchboard simulate` and users' own rehearsals run without the
// real services. What every fake needs alike lives here: scripted faults.
package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Fault is one scripted misbehaviour of a fake platform for one request.
type Fault struct {
	// Status is the HTTP status to answer instead of serving the request;
	// 0 serves it normally (after Delay).
	Status int
	// Delay is how long to wait before answering: a slow platform.
	Delay time.Duration
	// RetryAfter is the wait a 429 announces, in the platform's own header.
	RetryAfter time.Duration
	// Drop closes the connection without answering, as a network failure
	// would; long-connection fakes drop the socket after writing the frame.
	Drop bool
	// Path limits the fault to requests whose path starts with it; "" matches
	// every API request. Long-connection fakes match frames by topic.
	Path string
}

// Faults is a queue of faults that requests consume in order. The zero
// value is an empty queue, ready to use.
type Faults struct {
	mu    sync.Mutex
	queue []Fault
}

// Add scripts the next n matching requests to misbehave as f.
func (q *Faults) Add(n int, f Fault) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for range n {
		q.queue = append(q.queue, f)
	}
}

// Next takes the first queued fault that matches path.
func (q *Faults) Next(path string) (Fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.queue {
		if strings.HasPrefix(path, f.Path) {
			q.queue = append(q.queue[:i], q.queue[i+1:]...)
			return f, true
		}
	}
	return Fault{}, false
}

// Pending is the number of faults not yet consumed.
func (q *Faults) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// Clear drops every queued fault.
func (q *Faults) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = nil
}

// FaultRequest is the JSON form of Add, for a fake's control endpoint
// (POST /_sim/faults): {"count":2,"status":429,"retry_after":"3s"}.
type FaultRequest struct {
	Count      int    `json:"count"`
	Status     int    `json:"status"`
	Delay      string `json:"delay"`
	RetryAfter string `json:"retry_after"`
	Path       string `json:"path"`
	Drop       bool   `json:"drop"`
}

// DecodeFault reads a FaultRequest; a missing count means one request.
func DecodeFault(r io.Reader) (int, Fault, error) {
	var req FaultRequest
	if err := json.NewDecoder(r).Decode(&req); err != nil {
		return 0, Fault{}, fmt.Errorf("fault: %w", err)
	}
	f := Fault{Status: req.Status, Path: req.Path, Drop: req.Drop}
	var err error
	if f.Delay, err = optDuration(req.Delay); err != nil {
		return 0, Fault{}, fmt.Errorf("fault delay: %w", err)
	}
	if f.RetryAfter, err = optDuration(req.RetryAfter); err != nil {
		return 0, Fault{}, fmt.Errorf("fault retry_after: %w", err)
	}
	return max(req.Count, 1), f, nil
}

func optDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

// Sleep waits d, or less if ctx ends first (a client that gave up).
func Sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
