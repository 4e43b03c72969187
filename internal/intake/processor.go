package intake

import (
	"context"
	"log/slog"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// ProcessStore is the store side the processor needs.
type ProcessStore interface {
	ClaimInbox(ctx context.Context, owner string, until time.Time, limit int) ([]store.InboxItem, error)
	CommitMessages(ctx context.Context, batch []store.NewMessage) ([]model.Message, error)
}

// ProcessorConfig tunes processing.
type ProcessorConfig struct {
	Owner       string
	Lease       time.Duration
	BatchMax    int
	SweepEvery  time.Duration // how often to look for rows whose lease ran out
	ChannelInfo func(ctx context.Context, id int64) (model.Channel, error)
}

// Processor turns committed inbox rows into messages and publishes events.
type Processor struct {
	cfg   ProcessorConfig
	store ProcessStore
	bus   bus.Bus
	m     *metrics.Metrics
	log   *slog.Logger
	in    <-chan store.InboxItem
}

// NewProcessor reads rows from in (the writer's output) and from the store's
// expired leases.
func NewProcessor(cfg ProcessorConfig, st ProcessStore, b bus.Bus, in <-chan store.InboxItem, m *metrics.Metrics, log *slog.Logger) *Processor {
	if cfg.BatchMax <= 0 {
		cfg.BatchMax = 1024
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Second
	}
	return &Processor{cfg: cfg, store: st, bus: b, m: m, log: log, in: in}
}

// Run processes until ctx ends and in is drained. Rows it could not finish
// keep their lease and are taken over when it runs out.
func (p *Processor) Run(ctx context.Context) {
	sweep := time.NewTicker(p.cfg.SweepEvery)
	defer sweep.Stop()
	p.sweep(ctx)
	batch := make([]store.InboxItem, 0, p.cfg.BatchMax)
	for {
		select {
		case it, ok := <-p.in:
			if !ok {
				return
			}
			batch = p.fill(append(batch[:0], it))
			p.process(ctx, batch)
		case <-sweep.C:
			p.sweep(ctx)
		case <-ctx.Done():
			return
		}
	}
}

func (p *Processor) fill(batch []store.InboxItem) []store.InboxItem {
	for len(batch) < p.cfg.BatchMax {
		select {
		case it, ok := <-p.in:
			if !ok {
				return batch
			}
			batch = append(batch, it)
		default:
			return batch
		}
	}
	return batch
}

// sweep claims rows left behind by a crashed node (or this node before a restart).
func (p *Processor) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		items, err := p.store.ClaimInbox(ctx, p.cfg.Owner, time.Now().Add(p.cfg.Lease), p.cfg.BatchMax)
		if err != nil {
			p.log.Warn("claim inbox", "err", err)
			return
		}
		if len(items) == 0 {
			return
		}
		p.log.Info("took over inbox rows", "count", len(items))
		p.process(ctx, items)
	}
}

func (p *Processor) process(ctx context.Context, items []store.InboxItem) {
	batch := make([]store.NewMessage, 0, len(items))
	for _, it := range items {
		ch, err := p.cfg.ChannelInfo(ctx, it.Envelope.ChannelID)
		if err != nil {
			p.log.Error("processing: channel lookup", "channel", it.Envelope.ChannelID, "inbox", it.ID, "err", err)
			p.m.ProcessErrors.Inc()
			continue // stays leased; retried when the lease runs out
		}
		batch = append(batch, store.NewMessage{InboxID: it.ID, OrgUnitID: ch.OrgUnitID, Kind: ch.Kind,
			Envelope: it.Envelope, Direction: model.Inbound})
	}
	if len(batch) == 0 {
		return
	}
	msgs, err := p.store.CommitMessages(context.WithoutCancel(ctx), batch)
	if err != nil {
		p.log.Error("processing batch failed; will retry after lease", "batch", len(batch), "err", err)
		p.m.ProcessErrors.Inc()
		return
	}
	p.Publish(items, msgs)
}

// Publish records processing lag and announces newly stored messages. The
// writer calls it too, for messages stored by the intake commit itself.
func (p *Processor) Publish(items []store.InboxItem, msgs []model.Message) {
	ctx := context.Background()
	now := time.Now().UnixNano()
	for _, it := range items {
		if it.Envelope.AcceptedNano > 0 {
			p.m.ProcessLag.Observe(float64(now-it.Envelope.AcceptedNano) / 1e9)
		}
	}
	p.m.Processed.Add(float64(len(msgs)))
	for i := range msgs {
		m := &msgs[i]
		if err := p.bus.Publish(ctx, bus.Event{Type: bus.MessageCreated, OrgUnitID: m.OrgUnitID, ChannelID: m.ChannelID, Message: m}); err != nil {
			p.log.Warn("publish event", "message", m.ID, "err", err)
		}
	}
}
