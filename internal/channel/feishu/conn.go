package feishu

import (
	"net/http"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// conn is one live Feishu channel.
type conn struct {
	row    model.Channel
	cfg    Config
	env    channel.Env
	tokens *channel.TokenCache
	seen   *recentIDs // event ids already committed, to answer re-pushes cheaply
	names  nameCache  // sender names and chat titles (names.go)

	health channel.HealthTracker
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
	c := &conn{row: row, cfg: cfg, env: env, seen: newRecentIDs(4096)}
	c.tokens = &channel.TokenCache{Fetch: c.fetchToken, Now: env.Now, Margin: refreshMargin}
	return c
}

// Health is the channel's state as its last callbacks and sends left it.
func (c *conn) Health() model.Health { return c.health.Health() }

// noteOK records a good callback (inbound true) or a good API call.
func (c *conn) noteOK(inbound bool) { c.health.OK(inbound, c.env.Now()) }

// noteRefused records a refused callback (see channel.HealthTracker).
func (c *conn) noteRefused(err error) { c.health.Refused(err) }

// noteSendErr records a failed API call (see channel.HealthTracker).
func (c *conn) noteSendErr(err error) { c.health.SendErr(err, errCredentials) }

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
