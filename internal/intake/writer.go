// Package intake is the durable front door: a group-commit writer that
// batches concurrent envelopes into one fsynced transaction and answers each
// caller only after the commit, and processors that turn committed inbox rows
// into messages, conversations, people, search entries and events.
package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
)

// Appender is the store side the writer needs.
type Appender interface {
	AcceptInbox(ctx context.Context, entries []store.InboxEntry) ([]int64, []model.Message, error)
}

// WriterConfig tunes group commit.
type WriterConfig struct {
	Owner     string        // node id, written as the lease owner
	Lease     time.Duration // how long this node holds the rows it commits
	BatchMax  int
	BatchWait time.Duration // extra wait to fill a batch; 0 = none
	KindOf    func(channelID int64) string
	// Target says where a channel's messages belong, so the commit that
	// makes an envelope durable also stores its message; nil (or a nil
	// answer) leaves the row to the processor.
	Target func(channelID int64) *store.Target
	// Stored is told about messages stored by a commit (to publish them).
	Stored func(items []store.InboxItem, msgs []model.Message)
}

type request struct {
	env    model.Envelope
	target *store.Target
	terms  string // search.BodyTerms of env, when it has a target
	done   chan result
}

type result struct {
	id  int64
	err error
}

// Writer is the group-commit writer. Accept is safe for concurrent use.
type Writer struct {
	cfg     WriterConfig
	store   Appender
	m       *metrics.Metrics
	log     *slog.Logger
	reqs    chan *request
	out     chan<- store.InboxItem // committed rows for this node's processor
	stopped chan struct{}
	mu      sync.RWMutex
	closed  bool
}

// NewWriter returns a writer that hands committed rows to out.
func NewWriter(cfg WriterConfig, st Appender, out chan<- store.InboxItem, m *metrics.Metrics, log *slog.Logger) *Writer {
	if cfg.BatchMax <= 0 {
		cfg.BatchMax = 1024
	}
	return &Writer{cfg: cfg, store: st, m: m, log: log, out: out,
		reqs: make(chan *request, cfg.BatchMax*4), stopped: make(chan struct{})}
}

var donePool = sync.Pool{New: func() any { return make(chan result, 1) }}

// Accept commits env durably and reports whether it was new.
func (w *Writer) Accept(ctx context.Context, env model.Envelope) (channel.Accepted, error) {
	if env.ReceivedAt.IsZero() {
		env.ReceivedAt = time.Now().UTC()
	}
	env.AcceptedNano = time.Now().UnixNano()
	req := &request{env: env, done: donePool.Get().(chan result)}
	// Work that needs only the envelope happens here, on the caller's
	// goroutine, not on the single writer's.
	if w.cfg.Target != nil {
		if req.target = w.cfg.Target(env.ChannelID); req.target != nil {
			req.terms = search.BodyTerms(env.Text, env.SenderName)
		}
	}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return channel.Accepted{}, errcode.ShuttingDown
	}
	select {
	case w.reqs <- req:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return channel.Accepted{}, errcode.Unavailable.With("%v", ctx.Err())
	}
	// Wait even if ctx ends: the row may be committing, and the channel is
	// pooled, so it must be drained before reuse.
	r := <-req.done
	donePool.Put(req.done)
	if r.err != nil {
		return channel.Accepted{}, r.err
	}
	return channel.Accepted{Duplicate: r.id == 0, InboxID: r.id}, nil
}

// Run commits batches until ctx ends, then drains what was queued and stops.
func (w *Writer) Run(ctx context.Context) {
	defer close(w.stopped)
	batch := make([]*request, 0, w.cfg.BatchMax)
	for {
		select {
		case req := <-w.reqs:
			batch = w.fill(append(batch[:0], req))
			w.commit(batch)
		case <-ctx.Done():
			w.drain(batch)
			return
		}
	}
}

// drain refuses new envelopes and commits those already queued. Senders
// blocked on a full queue hold the read lock, so the lock is taken on the
// side while the queue keeps draining.
func (w *Writer) drain(batch []*request) {
	closed := make(chan struct{})
	go func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(closed)
	}()
	for {
		select {
		case req := <-w.reqs:
			w.commit(w.fill(append(batch[:0], req)))
		case <-closed:
			for {
				select {
				case req := <-w.reqs:
					w.commit(w.fill(append(batch[:0], req)))
				default:
					return
				}
			}
		}
	}
}

// Stopped is closed when Run has returned.
func (w *Writer) Stopped() <-chan struct{} { return w.stopped }

// fill takes whatever else is queued, up to BatchMax, waiting at most BatchWait.
func (w *Writer) fill(batch []*request) []*request {
	var timer <-chan time.Time
	if w.cfg.BatchWait > 0 {
		timer = time.After(w.cfg.BatchWait)
	}
	for len(batch) < w.cfg.BatchMax {
		select {
		case req := <-w.reqs:
			batch = append(batch, req)
		default:
			if timer == nil {
				return batch
			}
			select {
			case req := <-w.reqs:
				batch = append(batch, req)
			case <-timer:
				return batch
			}
		}
	}
	return batch
}

func (w *Writer) commit(batch []*request) {
	start := time.Now()
	lease := start.Add(w.cfg.Lease)
	entries := make([]store.InboxEntry, len(batch))
	for i, r := range batch {
		entries[i] = store.InboxEntry{Envelope: r.env, Owner: w.cfg.Owner, LeaseUntil: lease, Target: r.target, Terms: r.terms}
	}
	// The commit must not be cut short by a caller's context: callers wait for it.
	ids, msgs, err := w.store.AcceptInbox(context.Background(), entries)
	w.m.CommitSeconds.Observe(time.Since(start).Seconds())
	w.m.CommitBatch.Observe(float64(len(batch)))
	if err != nil {
		w.log.Error("group commit failed", "batch", len(batch), "err", err)
		err = errcode.Unavailable.With("%v", errors.Unwrap(err))
	}
	w.answer(batch, ids, err)
	if err != nil {
		return
	}
	var stored []store.InboxItem
	for i, r := range batch {
		switch {
		case ids[i] == 0:
		case entries[i].Target != nil:
			stored = append(stored, store.InboxItem{ID: ids[i], Envelope: r.env})
		default:
			w.out <- store.InboxItem{ID: ids[i], Envelope: r.env}
		}
	}
	if len(stored) > 0 && w.cfg.Stored != nil {
		w.cfg.Stored(stored, msgs)
	}
}

// answer tells every caller of a batch how its envelope fared.
func (w *Writer) answer(batch []*request, ids []int64, err error) {
	for i, r := range batch {
		kind := w.cfg.KindOf(r.env.ChannelID)
		switch {
		case err != nil:
			w.m.IntakeRejected.WithLabelValues(kind, errcode.Unavailable.Reason).Inc()
			r.done <- result{err: err}
			continue
		case ids[i] == 0:
			w.m.IntakeDuplicate.WithLabelValues(kind).Inc()
		default:
			w.m.IntakeAccepted.WithLabelValues(kind).Inc()
		}
		r.done <- result{id: ids[i]}
	}
}

// String describes the writer for logs.
func (w *Writer) String() string { return fmt.Sprintf("intake writer (owner %s)", w.cfg.Owner) }
