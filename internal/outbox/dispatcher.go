// Package outbox sends queued deliveries: it claims due rows with a lease,
// calls the channel, and records the outcome — sent, retry later with backoff
// and jitter (honouring Retry-After), or dead after the last attempt.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Store is the outbox side of the store.
type Store interface {
	ClaimDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Delivery, error)
	// RecordAndClaim writes a round's outcomes and claims the next round
	// in one transaction.
	RecordAndClaim(ctx context.Context, outs []store.DeliveryOutcome, owner string, now, until time.Time, limit int) ([]model.Delivery, error)
}

// Channels finds the live channel for a delivery.
type Channels interface {
	Get(ctx context.Context, id int64) (channel.Channel, model.Channel, error)
}

// Config tunes the dispatcher.
type Config struct {
	Owner       string
	Lease       time.Duration
	PollEvery   time.Duration
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	Workers     int
	// BreakerThreshold failed attempts in a row open a channel's breaker
	// for BreakerCooldown.
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// Limits are the send limits per channel kind; nil means PlatformLimits.
	Limits map[string]Limits
}

// Dispatcher sends deliveries.
type Dispatcher struct {
	cfg      Config
	store    Store
	channels Channels
	m        *metrics.Metrics
	log      *slog.Logger
	wake     chan struct{}
	breakers *breakers
	limiter  *limiter
}

// New returns a dispatcher with defaults filled in.
func New(cfg Config, st Store, chs Channels, m *metrics.Metrics, log *slog.Logger) *Dispatcher {
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.BreakerThreshold <= 0 {
		cfg.BreakerThreshold = 5
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = 30 * time.Second
	}
	if cfg.Limits == nil {
		cfg.Limits = PlatformLimits
	}
	return &Dispatcher{cfg: cfg, store: st, channels: chs, m: m, log: log, wake: make(chan struct{}, 1),
		breakers: newBreakers(cfg.BreakerThreshold, cfg.BreakerCooldown), limiter: newLimiter(cfg.Limits)}
}

// Wake asks the dispatcher to look for due deliveries now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends. A delivery claimed but not
// finished keeps its lease, and is retried after it runs out.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.PollEvery)
	defer t.Stop()
	for {
		d.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// drain claims only as many deliveries as it sends at once: a claimed row
// waiting behind others could outlive its lease and be sent by another
// node as well. Each send is bounded well inside the lease for the same
// reason. A round's outcomes are recorded, and the next round claimed, in
// one transaction.
func (d *Dispatcher) drain(ctx context.Context) {
	now := time.Now()
	batch, err := d.store.ClaimDeliveries(ctx, d.cfg.Owner, now, now.Add(d.cfg.Lease), d.cfg.Workers)
	if err != nil {
		d.log.Warn("claim deliveries", "err", err)
		return
	}
	for len(batch) > 0 {
		outs := make([]store.DeliveryOutcome, len(batch))
		var wg sync.WaitGroup
		for i, del := range batch {
			wg.Go(func() { outs[i] = d.send(ctx, del) })
		}
		wg.Wait()
		// Not cut short by shutdown: the sends happened. If this fails the
		// leases run out and the deliveries go again, under the same
		// idempotency keys. After shutdown nothing more is claimed.
		limit := d.cfg.Workers
		if ctx.Err() != nil {
			limit = 0
		}
		now := time.Now()
		if batch, err = d.store.RecordAndClaim(context.WithoutCancel(ctx), outs, d.cfg.Owner, now, now.Add(d.cfg.Lease), limit); err != nil {
			d.log.Error("record delivery outcomes", "deliveries", len(outs), "err", err)
			return
		}
	}
}

// send makes one attempt at a delivery and says what became of it.
func (d *Dispatcher) send(ctx context.Context, del model.Delivery) store.DeliveryOutcome {
	ch, row, err := d.channels.Get(ctx, del.ChannelID)
	if err != nil {
		return d.failed(del, row.Kind, channel.Permanent(err))
	}
	var out channel.Outbound
	if err := json.Unmarshal(del.Payload, &out); err != nil {
		return d.failed(del, row.Kind, channel.Permanent(err))
	}
	out.Destination, out.IdemKey = del.Destination, del.IdemKey
	if open, until := d.breakers.open(del.ChannelID, time.Now()); open {
		return d.skipOpen(del, row.Kind, until)
	}
	if wait := d.limiter.take(row.Kind, del.ChannelID, del.Destination, time.Now()); wait > 0 {
		// Over the platform's limit: wait for it rather than be throttled
		// (or, on WeCom, silently dropped). Not an attempt.
		d.m.Deliveries.WithLabelValues(row.Kind, "rate_limited").Inc()
		return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomePostpone, Next: time.Now().Add(wait),
			Err: "rate limit: waiting for the platform's allowance"}
	}
	sendCtx, cancel := context.WithTimeout(ctx, d.sendTimeout())
	rc, err := sendOrUpdate(sendCtx, ch, out)
	cancel()
	if err == nil {
		d.breakers.succeeded(del.ChannelID)
		d.m.Deliveries.WithLabelValues(row.Kind, "sent").Inc()
		return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomeSent, ExternalID: rc.ExternalID, At: time.Now()}
	}
	if !errors.Is(err, channel.ErrPermanent) && d.breakers.failed(del.ChannelID, time.Now()) && len(del.Fallback) > 0 {
		// The channel is down: the person hears on the next one now
		// rather than after the rest of the retries.
		err = channel.Permanent(fmt.Errorf("circuit open after repeated failures: %w", err))
	}
	return d.failed(del, row.Kind, err)
}

// sendOrUpdate edits the message out replaces, when it names one and the
// platform can, and sends out as a new message otherwise — also when that
// message can no longer be edited (a permanent refusal: deleted, too old,
// not a card), so the news still arrives. A passing failure is retried.
func sendOrUpdate(ctx context.Context, ch channel.Channel, out channel.Outbound) (channel.Receipt, error) {
	if out.Updates != "" {
		rc := channel.Receipt{ExternalID: out.Updates, Destination: out.Destination}
		err := ch.Update(ctx, rc, out)
		if err == nil || !(errors.Is(err, channel.ErrUnsupported) || errors.Is(err, channel.ErrPermanent)) {
			return rc, err
		}
	}
	return ch.Send(ctx, out)
}

// skipOpen handles a delivery to a channel whose breaker is open without
// attempting it: on to its fallback, or back in the queue until the
// breaker lets a probe through.
func (d *Dispatcher) skipOpen(del model.Delivery, kind string, until time.Time) store.DeliveryOutcome {
	if len(del.Fallback) > 0 {
		d.m.Deliveries.WithLabelValues(kind, "fallback").Inc()
		return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomeDead, Err: "circuit open: channel down, falling back"}
	}
	return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomePostpone, Next: until, Err: "circuit open: channel down"}
}

// ChannelState is the breaker's view of a channel's health: "" when
// closed, "degraded" while failing, "down" while open.
func (d *Dispatcher) ChannelState(channelID int64) string {
	return d.breakers.state(channelID, time.Now())
}

// sendTimeout leaves a third of the lease for recording the outcome.
func (d *Dispatcher) sendTimeout() time.Duration {
	return min(30*time.Second, d.cfg.Lease*2/3)
}

// failed is the outcome of a failed attempt: dead when permanent or out of
// attempts, otherwise retried after backoff (or the platform's Retry-After).
func (d *Dispatcher) failed(del model.Delivery, kind string, err error) store.DeliveryOutcome {
	attempt := del.Attempts + 1
	if errors.Is(err, channel.ErrPermanent) || attempt >= d.cfg.MaxAttempts {
		d.log.Warn("delivery dead", "delivery", del.ID, "attempts", attempt, "err", err)
		d.m.Deliveries.WithLabelValues(kind, "dead").Inc()
		return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomeDead, Err: err.Error()}
	}
	wait := Backoff(attempt, d.cfg.BaseBackoff, d.cfg.MaxBackoff)
	var ra *channel.RetryAfterError
	if errors.As(err, &ra) && ra.After > wait {
		wait = ra.After
	}
	d.m.Deliveries.WithLabelValues(kind, "retry").Inc()
	return store.DeliveryOutcome{ID: del.ID, Kind: store.OutcomeRetry, Next: time.Now().Add(wait), Err: err.Error()}
}

// Backoff is base·2^(attempt-1) capped at max, with ±20 % jitter so that many
// deliveries failing together do not retry together.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	jitter := time.Duration(float64(d) * 0.2 * (2*rand.Float64() - 1))
	return d + jitter
}
