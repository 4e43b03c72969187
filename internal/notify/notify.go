// Package notify turns the notification intents that the intake commit
// stores (a rule said "notify now", "digest", or "urgent") into one
// notification per recipient: sent at once through the outbox to the
// person's preferred channel, with the rest of their chain as fallback, or
// held for a digest or the end of quiet hours and flushed by a timer. All
// state is in the store and claimed with leases, so it is safe with N
// nodes and a restart loses nothing.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Store is what the engine reads and writes.
type Store interface {
	store.Notifications
	GetMessage(ctx context.Context, scope store.Scope, id, viewerID int64) (model.Message, error)
	GetConversation(ctx context.Context, scope store.Scope, id int64) (model.Conversation, error)
	GetChannel(ctx context.Context, id int64) (model.Channel, error)
	ListOrgUnits(ctx context.Context) ([]model.OrgUnit, error)
	GetUser(ctx context.Context, id int64) (model.User, error)
	Enqueue(ctx context.Context, m *store.NewMessage, d model.Delivery) (model.Delivery, error)
}

// Config tunes the engine.
type Config struct {
	Owner     string
	Lease     time.Duration
	PollEvery time.Duration
	PublicURL string // for links to the console
	Batch     int
	// Enqueued is told that deliveries were enqueued (wakes the outbox).
	Enqueued func()
	// Tasks makes the follow-up tasks rules ask for; nil ignores them.
	Tasks TaskMaker
	// Tickets makes the tickets rules ask for; nil ignores them.
	Tickets TicketMaker
}

// TicketMaker turns a message into a ticket, or joins it to its sender's
// open one. It must be idempotent by message, like TaskMaker.
type TicketMaker interface {
	MakeTicket(ctx context.Context, msg model.Message, req model.TicketRequest) error
}

// TaskMaker turns a message into a follow-up task due at due. It must be
// idempotent by message: an intent is resolved again after a crash.
type TaskMaker interface {
	MakeTask(ctx context.Context, msg model.Message, title string, due time.Time) error
}

// Engine resolves intents and flushes digests.
type Engine struct {
	cfg  Config
	st   Store
	log  *slog.Logger
	wake chan struct{}
	now  atomic.Pointer[func() time.Time]
}

// New returns an engine with defaults filled in.
func New(cfg Config, st Store, log *slog.Logger) *Engine {
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Enqueued == nil {
		cfg.Enqueued = func() {}
	}
	e := &Engine{cfg: cfg, st: st, log: log, wake: make(chan struct{}, 1)}
	e.SetClock(time.Now)
	return e
}

// SetPublicURL sets the base of console links; call it before Run (the
// app knows the address only once it listens).
func (e *Engine) SetPublicURL(u string) { e.cfg.PublicURL = u }

// SetClock replaces the engine's clock (tests move time forward with it).
func (e *Engine) SetClock(now func() time.Time) { e.now.Store(&now) }

func (e *Engine) clock() time.Time { return (*e.now.Load())() }

// Wake asks the engine to look for work now: the intake calls it after a
// commit that stored intents, so urgent news goes out within milliseconds.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(e.cfg.PollEvery)
	defer t.Stop()
	for {
		e.Step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// Step resolves every claimable intent, then flushes every due digest.
func (e *Engine) Step(ctx context.Context) {
	enqueued := false
	for ctx.Err() == nil {
		now := e.clock()
		intents, err := e.st.ClaimIntents(ctx, e.cfg.Owner, now, now.Add(e.cfg.Lease), e.cfg.Batch)
		if err != nil {
			e.log.Warn("claim notify intents", "err", err)
			break
		}
		for _, in := range intents {
			if err := e.resolve(ctx, in, now); err != nil {
				// Its lease runs out and it is tried again, here or elsewhere.
				e.log.Warn("resolve notify intent", "intent", in.ID, "message", in.MessageID, "err", err)
			}
		}
		enqueued = enqueued || len(intents) > 0
		if len(intents) < e.cfg.Batch {
			break
		}
	}
	if e.flushDigests(ctx) || e.sendAlerts(ctx) || enqueued {
		e.cfg.Enqueued()
	}
}

// resolve turns one intent into a notification per recipient.
func (e *Engine) resolve(ctx context.Context, in model.NotifyIntent, now time.Time) error {
	msg, err := e.st.GetMessage(ctx, store.Scope{All: true}, in.MessageID, 0)
	if err != nil {
		return err
	}
	// A message is the source of one ticket at most: when rules ask for
	// both, the ticket wins (a task is a ticket too).
	if t := in.Request.Task; t != nil && e.cfg.Tasks != nil && in.Request.Ticket == nil {
		if err := e.cfg.Tasks.MakeTask(ctx, msg, t.Title, msg.SentAt.Add(t.Deadline)); err != nil {
			return fmt.Errorf("follow-up task: %w", err)
		}
	}
	if t := in.Request.Ticket; t != nil && e.cfg.Tickets != nil {
		if err := e.cfg.Tickets.MakeTicket(ctx, msg, *t); err != nil {
			return fmt.Errorf("ticket: %w", err)
		}
	}
	if in.Request.AutoReply != "" {
		if err := e.autoReply(ctx, msg, in.Request.AutoReply); err != nil {
			return fmt.Errorf("auto-reply: %w", err)
		}
	}
	if in.Request.Mode == "" {
		return e.st.ResolveIntent(ctx, in.ID, nil)
	}
	users, err := e.recipients(ctx, msg, in.Request)
	if err != nil {
		return err
	}
	var text string
	ns := make([]store.NewNotification, 0, len(users))
	for _, uid := range users {
		s, src, err := e.settings(ctx, uid)
		if err != nil {
			return err
		}
		s.Chain = orderChain(s.Chain, in.Request.Via)
		n := store.NewNotification{Notification: model.Notification{UserID: uid, MessageID: msg.ID, Mode: in.Request.Mode}}
		d := decide(in.Request, s, now)
		switch {
		case len(s.Chain) == 0:
			n.Notification.State, n.Notification.Reason = model.NotificationNoRoute, "no notification channel set"
		case d.now:
			if text == "" {
				text = e.formatOne(ctx, msg, in.Request)
			}
			n.Notification.State, n.Notification.Reason, n.Notification.DueAt = model.NotificationQueued, joinReason(d.reason, src.reason()), now
			key := fmtKey("notify", msg.ID, uid)
			if src.shared { // one send per message to a unit's shared destinations, however many it stands in for
				key = fmtKey("notify-unit", msg.ID, src.unit)
			}
			n.Delivery = delivery(s.Chain, key, text)
		default:
			n.Notification.State, n.Notification.Reason, n.Notification.DueAt = model.NotificationHeld, d.reason, d.due
		}
		ns = append(ns, n)
	}
	return e.st.ResolveIntent(ctx, in.ID, ns)
}

// recipients resolves the request's routes to user ids, without repeats;
// no route means the department heads over the message's org unit.
func (e *Engine) recipients(ctx context.Context, msg model.Message, req model.NotifyRequest) ([]int64, error) {
	routes := req.Routes
	if len(routes) == 0 {
		routes = []model.NotifyRoute{{Role: model.RoleDeptHead}}
	}
	seen := map[int64]bool{}
	var out []int64
	for _, r := range routes {
		unit := r.OrgUnitID
		if unit == 0 {
			unit = msg.OrgUnitID
		}
		roles := []model.Role{r.Role}
		if r.Role == "" { // a team: the people who work it
			roles = []model.Role{model.RoleDeptHead, model.RoleAgent}
		}
		for _, role := range roles {
			ids, err := e.st.UsersWithRole(ctx, unit, role)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
	}
	return out, nil
}

// autoReply answers the sender in their conversation, as a reply to their
// message. Its key is the message's, so resolving the intent again (after
// a crash) finds the reply already queued instead of sending a second.
func (e *Engine) autoReply(ctx context.Context, msg model.Message, text string) error {
	conv, err := e.st.GetConversation(ctx, store.Scope{All: true}, msg.ConversationID)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(channel.Outbound{Text: text, ReplyTo: msg.ExternalID, SenderName: "Switchboard"})
	if err != nil {
		return err
	}
	key := fmt.Sprintf("autoreply:%d", msg.ID)
	now := time.Now().UTC()
	nm := &store.NewMessage{OrgUnitID: conv.OrgUnitID, Kind: msg.ChannelKind, Direction: model.Outbound,
		Envelope: model.Envelope{ChannelID: msg.ChannelID, ExternalID: "out:" + key, ConvID: conv.ExternalID,
			SenderName: "Switchboard", Kind: model.KindText, Text: text, SentAt: now, ReceivedAt: now}}
	_, err = e.st.Enqueue(ctx, nm, model.Delivery{ChannelID: msg.ChannelID, Destination: conv.ExternalID, Payload: payload, IdemKey: key})
	return err
}
