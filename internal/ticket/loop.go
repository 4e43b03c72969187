package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// LoopStore is what the closed loop reads and writes besides tickets.
type LoopStore interface {
	store.TicketLoop
	store.TicketIntake
	Enqueue(ctx context.Context, m *store.NewMessage, d model.Delivery) (model.Delivery, error)
	GetDelivery(ctx context.Context, id int64) (model.Delivery, error)
	GetConversation(ctx context.Context, scope store.Scope, id int64) (model.Conversation, error)
	GetChannel(ctx context.Context, id int64) (model.Channel, error)
}

// Loop keeps a ticket's requester told, in the conversation the ticket
// came from: every status (已受理 on creation) is a notice through the
// outbox, and their replies there ("进度", a rating, "没解决") act on the
// ticket. The ticket row is the intent: a pass over the tickets whose
// version is past the told one enqueues what is owed, keyed by ticket
// version, so a crash or a second node repeats nothing and skips nothing.
type Loop struct {
	Svc       *Service
	St        LoopStore
	Log       *slog.Logger
	Enqueued  func() // wakes the outbox
	PollEvery time.Duration
	wake      chan struct{}
	chat      *chatState
}

// NewLoop returns a loop with defaults filled in.
func NewLoop(svc *Service, st LoopStore, enqueued func(), log *slog.Logger) *Loop {
	if enqueued == nil {
		enqueued = func() {}
	}
	return &Loop{Svc: svc, St: st, Log: log, Enqueued: enqueued, PollEvery: time.Second,
		wake: make(chan struct{}, 1), chat: newChatState()}
}

// Wake asks for a pass now.
func (l *Loop) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run tells requesters until ctx ends. Ticket events only wake it; the
// poll finds what a lost event (or another node's change) left owed.
func (l *Loop) Run(ctx context.Context) {
	var evs <-chan bus.Event // nil, never ready, without a bus
	if l.Svc.Bus != nil {
		var cancel func()
		evs, cancel = l.Svc.Bus.Subscribe(64, bus.TicketCreated, bus.TicketStatusChanged, bus.TicketUpdated)
		defer cancel()
	}
	chatDone := make(chan struct{})
	go func() { l.runChat(ctx); close(chatDone) }()
	defer func() { <-chatDone }()
	t := time.NewTicker(l.PollEvery)
	defer t.Stop()
	for {
		if err := l.Tell(ctx); err != nil && ctx.Err() == nil {
			l.Log.Warn("ticket notices", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.wake:
		case <-evs:
		}
	}
}

// Tell enqueues the notices owed, one per ticket version whose status
// differs from the one last told. A ticket that cannot be told now is
// left owed (and logged) without holding up the others; one whose
// conversation or channel is gone is given up on.
func (l *Loop) Tell(ctx context.Context) error {
	owed, err := l.St.TicketsToTell(ctx, 100)
	if err != nil {
		return err
	}
	sent := false
	for _, told := range owed {
		did, err := l.tellOne(ctx, told)
		if errors.Is(err, store.ErrNotFound) {
			l.Log.Warn("ticket notice impossible; skipped", "ticket", told.TicketID, "err", err)
			err = l.St.MarkTicketTold(ctx, store.TicketTold{TicketID: told.TicketID, Version: math.MaxInt64, Status: told.Status})
		}
		if err != nil {
			l.Log.Warn("ticket notice", "ticket", told.TicketID, "err", err)
		}
		sent = sent || did
	}
	if sent {
		l.Enqueued()
	}
	return nil
}

// tellOne enqueues what one ticket is owed and records it told.
func (l *Loop) tellOne(ctx context.Context, told store.TicketTold) (bool, error) {
	t, err := l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, told.TicketID)
	if err != nil {
		return false, err
	}
	if told.Version == 0 {
		if !l.dupeChecked(ctx, t) {
			return false, nil // still owed: the next pass tells it
		}
		// A merge commits with its check: read the ticket again after the
		// check, or one merged between the two reads is told 已受理 first.
		if t, err = l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, told.TicketID); err != nil {
			return false, err
		}
	}
	next := store.TicketTold{TicketID: t.ID, Version: t.Version, Status: t.Status, CardDeliveryID: told.CardDeliveryID}
	did := t.Status != told.Status
	if did && t.Requester.ConversationID == 0 {
		return did, l.dupesThenMark(ctx, t, next, did) // a survivor with no conversation of its own
	}
	if did {
		d, err := l.notice(ctx, t, told)
		if err != nil {
			return false, fmt.Errorf("ticket %s: notice: %w", t.Key, err)
		}
		if next.CardDeliveryID == 0 {
			next.CardDeliveryID = d.ID
		}
	}
	return did, l.dupesThenMark(ctx, t, next, did)
}

// dupeWait bounds how long a new ticket's first notice waits for its
// duplicate check, so a detector that fails never silences the loop.
const dupeWait = 10 * time.Second

// dupeChecked reports whether a new ticket may be told: once its duplicate
// check is recorded, the requester of a report that joins an earlier one
// hears "merged into SB-…" alone, not 已受理 first.
func (l *Loop) dupeChecked(ctx context.Context, t model.Ticket) bool {
	if time.Since(t.CreatedAt) > dupeWait {
		return true
	}
	_, ok, err := l.Svc.Store.DupeCheck(ctx, t.ID)
	return ok || err != nil
}

// notice enqueues the message about t's current status. It updates the
// first notice's card in place when that one is out and this is not a
// question the requester must see (the rating after resolution).
func (l *Loop) notice(ctx context.Context, t model.Ticket, told store.TicketTold) (model.Delivery, error) {
	text, err := l.noticeText(ctx, t)
	if err != nil {
		return model.Delivery{}, err
	}
	out := channel.Outbound{Text: text, SenderName: "Switchboard"}
	if told.CardDeliveryID != 0 && t.Status != model.TicketResolved {
		if card, err := l.St.GetDelivery(ctx, told.CardDeliveryID); err == nil && card.State == model.DeliverySent {
			out.Updates = card.ExternalID
		}
	}
	return l.say(ctx, t.Requester.ConversationID, fmt.Sprintf("ticket-loop:%d:v%d", t.ID, t.Version), out)
}

// say enqueues out in a conversation under key, with its outbound message.
func (l *Loop) say(ctx context.Context, convID int64, key string, out channel.Outbound) (model.Delivery, error) {
	conv, err := l.St.GetConversation(ctx, store.Scope{All: true}, convID)
	if err != nil {
		return model.Delivery{}, err
	}
	ch, err := l.St.GetChannel(ctx, conv.ChannelID)
	if err != nil {
		return model.Delivery{}, err
	}
	payload, err := json.Marshal(out)
	if err != nil {
		return model.Delivery{}, err
	}
	now := time.Now().UTC()
	nm := &store.NewMessage{OrgUnitID: conv.OrgUnitID, Kind: ch.Kind, Direction: model.Outbound,
		Envelope: model.Envelope{ChannelID: conv.ChannelID, ExternalID: "out:" + key, ConvID: conv.ExternalID,
			SenderName: out.SenderName, Kind: model.KindText, Text: out.Text, SentAt: now, ReceivedAt: now}}
	return l.St.Enqueue(ctx, nm, model.Delivery{ChannelID: conv.ChannelID, Destination: conv.ExternalID, Payload: payload, IdemKey: key})
}
