package feishu

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// downAfter failures in a row mark the channel down rather than degraded.
const downAfter = 5

// conn is one live Feishu channel.
type conn struct {
	row    model.Channel
	cfg    Config
	env    channel.Env
	tokens *channel.TokenCache
	seen   *recentIDs // event ids already committed, to answer re-pushes cheaply

	mu       sync.Mutex
	health   model.Health
	failures int
}

func newConn(row model.Channel, cfg Config, env channel.Env) *conn {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Client == nil {
		env.Client = channel.NewHTTPClient()
	}
	if env.MaxBodyBytes <= 0 {
		env.MaxBodyBytes = 1 << 20
	}
	c := &conn{row: row, cfg: cfg, env: env, seen: newRecentIDs(4096),
		health: model.Health{State: model.HealthUnknown}}
	c.tokens = &channel.TokenCache{Fetch: c.fetchToken, Now: env.Now, Margin: refreshMargin}
	return c
}

// Start has nothing to open: callbacks arrive through ServeHTTP.
func (c *conn) Start(context.Context, channel.Sink) error { return nil }

// Health is the channel's state as its last callbacks and sends left it.
func (c *conn) Health() model.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.health
}

// noteOK records a good callback (inbound true) or a good API call.
func (c *conn) noteOK(inbound bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health.State, c.failures = model.HealthConnected, 0
	if inbound {
		c.health.LastEventAt = c.env.Now().UTC()
	}
}

// noteRefused records a refused callback. It degrades the channel (a
// wrong key or token in the console shows up here) but never marks it
// down: anyone on the internet can post junk to the URL.
func (c *conn) noteRefused(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health.ErrorCount++
	c.health.LastError = err.Error()
	if c.health.State != model.HealthDown {
		c.health.State = model.HealthDegraded
	}
}

// noteSendErr records a failed API call. Rejected credentials mean nothing
// can work until an admin fixes them: down at once. Transient failures
// degrade the channel, and downAfter in a row mark it down. An error about
// one request (bot not in that chat, bad content) says nothing about the
// channel and is only counted.
func (c *conn) noteSendErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health.ErrorCount++
	c.health.LastError = err.Error()
	switch {
	case errors.Is(err, errCredentials):
		c.health.State = model.HealthDown
	case errors.Is(err, channel.ErrPermanent):
	default:
		c.failures++
		c.health.State = model.HealthDegraded
		if c.failures >= downAfter {
			c.health.State = model.HealthDown
		}
	}
}

// recentIDs is a bounded set of recently committed ids, oldest evicted first.
type recentIDs struct {
	mu   sync.Mutex
	set  map[string]struct{}
	ring []string
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{set: make(map[string]struct{}, n), ring: make([]string, n)}
}

func (r *recentIDs) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.set[id]
	return ok
}

func (r *recentIDs) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return
	}
	delete(r.set, r.ring[r.next])
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}

var _ http.Handler = (*conn)(nil)
