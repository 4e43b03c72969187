package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// HookStore is what outgoing ticket webhooks read and write.
type HookStore interface {
	store.TicketHooks
	GetTicket(ctx context.Context, scope store.TicketScope, id int64) (model.Ticket, error)
}

// HookConfig tunes the sender.
type HookConfig struct {
	Owner          string        // this node, holding claimed deliveries
	Lease          time.Duration // how long a claim is held before another node may retry it
	MaxAttempts    int           // attempts before a delivery is dead
	BaseBackoff    time.Duration // the first retry's wait, doubling after, up to MaxBackoff
	MaxBackoff     time.Duration
	Timeout        time.Duration // one request
	AllowLinkLocal bool          // let webhooks reach link-local and cloud metadata addresses
	Retention      time.Duration // how long finished deliveries stay in the log; 0 keeps them
}

// Hooks tells external systems of ticket events. The ticket history and
// comments are the intent: a pass records every committed change as an
// event with one delivery per webhook wanting it (once, whichever node
// comes first), and the sender works through the deliveries with leases,
// so a crash, a lost bus event or a second node loses or repeats nothing.
type Hooks struct {
	St        HookStore
	Bus       bus.Bus
	Log       *slog.Logger
	Cfg       HookConfig
	Client    *http.Client
	PollEvery time.Duration
	Grace     time.Duration // how late a commit may land behind a newer one and still be found
	wake      chan struct{}
	advanced  time.Time // when the cursors last moved
}

// NewHooks returns a sender with defaults filled in.
func NewHooks(st HookStore, b bus.Bus, cfg HookConfig, log *slog.Logger) *Hooks {
	cfg.Lease = cmpOr(cfg.Lease, 30*time.Second)
	cfg.MaxAttempts = max(cfg.MaxAttempts, 1)
	cfg.BaseBackoff = cmpOr(cfg.BaseBackoff, time.Second)
	cfg.MaxBackoff = cmpOr(cfg.MaxBackoff, 10*time.Minute)
	cfg.Timeout = cmpOr(cfg.Timeout, 10*time.Second)
	if cfg.Owner == "" {
		cfg.Owner = "node"
	}
	poll := min(max(cfg.BaseBackoff, 20*time.Millisecond), time.Second) // retries are found about when due
	return &Hooks{St: st, Bus: b, Log: log, Cfg: cfg, Client: HookClient(cfg.AllowLinkLocal, cfg.Timeout),
		PollEvery: poll, Grace: 10 * time.Minute, wake: make(chan struct{}, 1)}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Wake asks for a pass now (a new webhook, a redelivery).
func (h *Hooks) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run records and sends until ctx ends. Ticket events only wake it.
func (h *Hooks) Run(ctx context.Context) {
	var evs <-chan bus.Event
	if h.Bus != nil {
		var cancel func()
		evs, cancel = h.Bus.Subscribe(64, bus.TicketCreated, bus.TicketStatusChanged, bus.TicketUpdated)
		defer cancel()
	}
	t := time.NewTicker(h.PollEvery)
	defer t.Stop()
	for {
		if err := h.Record(ctx); err != nil && ctx.Err() == nil {
			h.Log.Warn("ticket webhook events", "err", err)
		}
		if err := h.Send(ctx); err != nil && ctx.Err() == nil {
			h.Log.Warn("ticket webhook deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		case <-evs:
		}
	}
}

// hookBody is what a receiver gets.
type hookBody struct {
	ID         string       `json:"id"`
	Type       string       `json:"type"`
	OccurredAt time.Time    `json:"occurred_at"`
	Ticket     model.Ticket `json:"ticket"`
	Change     *hookChange  `json:"change,omitempty"`
	Comment    *hookComment `json:"comment,omitempty"`
}

type hookChange struct {
	Field   string `json:"field"`
	From    string `json:"from"`
	To      string `json:"to"`
	Note    string `json:"note,omitempty"`
	ActorID int64  `json:"actor_id,omitempty"`
}

type hookComment struct {
	ID       int64  `json:"id"`
	Body     string `json:"body"`
	Public   bool   `json:"public"`
	AuthorID int64  `json:"author_id,omitempty"`
}

// Record turns committed changes into events with their deliveries.
func (h *Hooks) Record(ctx context.Context) error {
	if time.Since(h.advanced) > h.Grace/20 {
		if err := h.St.AdvanceHookCursors(ctx, h.Grace); err != nil {
			return err
		}
		if h.Cfg.Retention > 0 {
			if _, err := h.St.PruneHookEvents(ctx, time.Now().Add(-h.Cfg.Retention)); err != nil {
				return err
			}
		}
		h.advanced = time.Now()
	}
	for range 10 { // a backlog is worked through in rounds, without starving the sender
		src, err := h.St.HookSources(ctx, 200)
		if err != nil || len(src) == 0 {
			return err
		}
		hooks, err := h.St.ListTicketWebhooks(ctx)
		if err != nil {
			return err
		}
		for _, s := range src {
			ev, err := h.event(ctx, s, hooks)
			if err == nil {
				err = h.St.RecordHookEvent(ctx, ev)
			}
			if err != nil {
				return fmt.Errorf("%s %d: %w", s.Source, s.ID, err)
			}
		}
	}
	return nil
}

// event builds the event for one change, with the ticket as it is now.
// An event no webhook wants is recorded without a body, only so the change
// counts as seen.
func (h *Hooks) event(ctx context.Context, s store.HookSource, hooks []model.TicketWebhook) (store.HookEvent, error) {
	ev := store.HookEvent{Source: s.Source, SourceID: s.ID, TicketID: s.TicketID, OccurredAt: s.At}
	body := hookBody{ID: model.HookEventKey(s.Source, s.ID), OccurredAt: s.At}
	switch {
	case s.Source == "comment":
		ev.Type, ev.Internal = model.HookTicketCommented, !s.Comment.Public
		body.Comment = &hookComment{ID: s.Comment.ID, Body: s.Comment.Body, Public: s.Comment.Public, AuthorID: s.Comment.AuthorID}
	case s.Change.Field == "created":
		ev.Type = model.HookTicketCreated
	default:
		ev.Type = model.HookTicketUpdated
		if s.Change.Field == "status" {
			ev.Type = model.HookTicketStatusChanged
		}
		c := s.Change
		body.Change = &hookChange{Field: c.Field, From: c.From, To: c.To, Note: c.Note, ActorID: c.ActorID}
	}
	body.Type = ev.Type
	if !slices.ContainsFunc(hooks, func(w model.TicketWebhook) bool { return w.Wants(ev.Type, ev.Internal) }) {
		ev.Payload, ev.SeenOnly = []byte("{}"), true
		return ev, nil
	}
	t, err := h.St.GetTicket(ctx, store.TicketScope{All: true}, s.TicketID)
	if err != nil {
		return ev, err
	}
	body.Ticket = t
	ev.Payload, err = json.Marshal(body)
	return ev, err
}

// Send works through the due deliveries, in parallel across tickets.
func (h *Hooks) Send(ctx context.Context) error {
	for range 10 {
		now := time.Now()
		ds, err := h.St.ClaimHookDeliveries(ctx, h.Cfg.Owner, now, now.Add(h.Cfg.Lease), 32)
		if err != nil || len(ds) == 0 {
			return err
		}
		hooks := map[int64]model.TicketWebhook{}
		for _, d := range ds {
			if _, ok := hooks[d.WebhookID]; !ok {
				w, err := h.St.GetTicketWebhook(ctx, d.WebhookID)
				if err != nil {
					return err
				}
				hooks[d.WebhookID] = w
			}
		}
		var wg sync.WaitGroup
		for _, d := range ds {
			wg.Go(func() {
				o := h.attempt(ctx, hooks[d.WebhookID], d)
				if err := h.St.RecordHookOutcome(context.WithoutCancel(ctx), h.Cfg.Owner, o); err != nil {
					h.Log.Warn("ticket webhook outcome", "delivery", d.ID, "err", err)
				}
			})
		}
		wg.Wait()
	}
	return nil
}
