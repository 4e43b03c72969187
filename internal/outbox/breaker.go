package outbox

import (
	"sync"
	"time"
)

// breakers keeps one circuit breaker per channel instance. After Threshold
// failed attempts in a row a channel's breaker opens for Cooldown: its
// deliveries are not attempted meanwhile — those with a fallback move on to
// the next channel of their chain at once, the others wait — and the next
// attempt after the cooldown probes it. One success closes it.
type breakers struct {
	threshold int
	cooldown  time.Duration

	mu sync.Mutex
	by map[int64]*breaker
}

type breaker struct {
	fails     int
	openUntil time.Time
}

func newBreakers(threshold int, cooldown time.Duration) *breakers {
	return &breakers{threshold: threshold, cooldown: cooldown, by: map[int64]*breaker{}}
}

// open reports whether channel's breaker is open at now, and until when.
func (b *breakers) open(channel int64, now time.Time) (bool, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.by[channel]
	if br == nil || !now.Before(br.openUntil) {
		return false, time.Time{}
	}
	return true, br.openUntil
}

// failed counts a failed attempt and reports whether the breaker is now open.
func (b *breakers) failed(channel int64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.by[channel]
	if br == nil {
		br = &breaker{}
		b.by[channel] = br
	}
	br.fails++
	if br.fails >= b.threshold {
		br.openUntil = now.Add(b.cooldown)
	}
	return br.fails >= b.threshold
}

// succeeded closes the channel's breaker.
func (b *breakers) succeeded(channel int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.by, channel)
}

// state names the channel's breaker state for its health: "" (closed),
// "degraded" (failing, not yet open) or "down" (open).
func (b *breakers) state(channel int64, now time.Time) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.by[channel]
	switch {
	case br == nil:
		return ""
	case now.Before(br.openUntil):
		return "down"
	}
	return "degraded"
}
