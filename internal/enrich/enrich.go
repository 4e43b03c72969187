// Package enrich completes, after the intake commit, what a platform's
// callback left out: the contact profile of each new identity (name,
// department, email, mobile — which links the same person's identities on
// different platforms) and the bytes of each inbound attachment, fetched
// into the blob store. Work is found in the store and leased there, so any
// number of nodes share it and a crash only delays it; intake never waits
// for a platform's contact or file API.
package enrich

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Store is what the engine reads and writes.
type Store interface {
	store.People
	store.Attachments
	GetMessage(ctx context.Context, scope store.Scope, id, viewerID int64) (model.Message, error)
}

// Channels resolves a channel id to its live instance.
type Channels interface {
	Get(ctx context.Context, id int64) (channel.Channel, model.Channel, error)
}

// Blobs stores attachment bytes (sealed at rest) and returns their id.
type Blobs interface {
	Put(data []byte) (string, error)
}

// Config tunes the engine; zero fields take the defaults.
type Config struct {
	Owner       string        // this node's lease owner name
	Lease       time.Duration // how long a claimed job is this node's
	Interval    time.Duration // how often to look for work when not woken
	Batch       int           // jobs per claim
	MaxAttempts int           // tries before a job is given up
	Backoff     time.Duration // first retry delay, doubled per attempt
}

func (c *Config) defaults() {
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 5 * time.Second
	}
}

// minGap is the least time between two looks for work when woken.
const minGap = 200 * time.Millisecond

// Engine runs the lookups and fetches.
type Engine struct {
	cfg      Config
	st       Store
	chans    Channels
	blobs    Blobs
	log      *slog.Logger
	wake     chan struct{}
	lookups  *prometheus.CounterVec // by channel kind and outcome
	fetches  *prometheus.CounterVec // by channel kind and outcome
	now      func() time.Time
	inflight chan struct{} // one round at a time
}

// New builds an engine whose counters are registered on reg.
func New(cfg Config, st Store, chans Channels, blobs Blobs, reg prometheus.Registerer, log *slog.Logger) *Engine {
	cfg.defaults()
	e := &Engine{cfg: cfg, st: st, chans: chans, blobs: blobs, log: log, wake: make(chan struct{}, 1), now: time.Now,
		inflight: make(chan struct{}, 1),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_contact_lookups_total",
			Help: "Contact profile lookups by outcome (done, denied: the contact permission is not granted, none, retry, failed)."},
			[]string{"kind", "outcome"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_attachment_fetches_total",
			Help: "Attachment downloads from the platforms by outcome (stored, retry, failed)."}, []string{"kind", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(e.lookups, e.fetches)
	}
	return e
}

// Wake makes the engine look for work now; it never blocks (intake calls
// it after every commit).
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		for e.Round(ctx) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
			// Woken by every intake commit: under load, look at most every
			// minGap, so the claims take little of the (SQLite: single)
			// write connection from intake.
			select {
			case <-ctx.Done():
				return
			case <-time.After(minGap):
			}
		}
	}
}

// Round claims and works one batch of each kind of job and returns how
// many it worked.
func (e *Engine) Round(ctx context.Context) int {
	e.inflight <- struct{}{}
	defer func() { <-e.inflight }()
	return e.profiles(ctx) + e.attachments(ctx)
}

// retryAt is when to try a job again after attempts failures.
func (e *Engine) retryAt(attempts int) time.Time {
	d := e.cfg.Backoff << min(attempts, 10)
	return e.now().Add(min(d, time.Hour))
}

// kindOf names a channel's kind for the counters.
func (e *Engine) kindOf(ctx context.Context, id int64) (channel.Channel, string) {
	ch, row, err := e.chans.Get(ctx, id)
	if err != nil {
		return nil, "unknown"
	}
	return ch, row.Kind
}
