package channel

import (
	"errors"
	"sync"
	"time"

	"switchboard/internal/model"
)

// DownAfter transient send failures in a row mark a channel down rather
// than degraded.
const DownAfter = 5

// HealthTracker keeps a platform channel's health from its callbacks and
// sends, the same way for every adapter. The zero value is unknown health.
type HealthTracker struct {
	mu       sync.Mutex
	h        model.Health
	failures int
}

// Health is the state the last callbacks and sends left.
func (t *HealthTracker) Health() model.Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h.State == "" {
		t.h.State = model.HealthUnknown
	}
	return t.h
}

// OK records a good callback (inbound, at its time) or a good API call.
func (t *HealthTracker) OK(inbound bool, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h.State, t.failures = model.HealthConnected, 0
	if inbound {
		t.h.LastEventAt = at.UTC()
	}
}

// Refused records a refused callback. It degrades the channel (a wrong key
// or token in the platform console shows up here) but never marks it down:
// anyone on the internet can post junk to the URL.
func (t *HealthTracker) Refused(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h.ErrorCount++
	t.h.LastError = err.Error()
	if t.h.State != model.HealthDown {
		t.h.State = model.HealthDegraded
	}
}

// SendErr records a failed API call. Rejected credentials (errors that are
// credentials) mean nothing works until an admin fixes them: down at once.
// Transient failures degrade the channel, and DownAfter in a row mark it
// down. An error about one request (ErrPermanent: bot not in that chat,
// bad content) says nothing about the channel and is only counted.
func (t *HealthTracker) SendErr(err, credentials error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h.ErrorCount++
	t.h.LastError = err.Error()
	switch {
	case errors.Is(err, credentials):
		t.h.State = model.HealthDown
	case errors.Is(err, ErrPermanent):
	default:
		t.failures++
		t.h.State = model.HealthDegraded
		if t.failures >= DownAfter {
			t.h.State = model.HealthDown
		}
	}
}
