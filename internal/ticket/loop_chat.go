package ticket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// ask is what a requester's chat message asks of their tickets.
type ask int

const (
	askNone ask = iota
	askProgress
	askRate
	askReopen
)

var progressWords = map[string]bool{"进度": true, "查询进度": true, "进展": true, "status": true, "progress": true}
var reopenWords = map[string]bool{"没解决": true, "未解决": true, "没有解决": true, "not solved": true, "unsolved": true}

// classify reads a whole message as one of the asks; anything else is
// ordinary conversation and costs no query.
func classify(text string) (ask, int) {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(text), "。.!！?？"))
	switch {
	case progressWords[s]:
		return askProgress, 0
	case reopenWords[s]:
		return askReopen, 0
	case len(s) == 1 && s[0] >= '1' && s[0] <= '5':
		return askRate, int(s[0] - '0')
	}
	return askNone, 0
}

// Heard is told of freshly committed messages and wakes the conversation
// pass when any is inbound. The pass reads them back from the store after
// its durable cursor, so intake's commit loop pays for nothing more, and a
// crash before the pass ran loses nothing.
func (l *Loop) Heard(msgs []model.Message) {
	for i := range msgs {
		if msgs[i].Direction == model.Inbound && msgs[i].ConversationID != 0 {
			l.WakeChat()
			return
		}
	}
}

func (l *Loop) answer(ctx context.Context, m model.Message, a ask, score int) error {
	all, err := l.St.ConversationTickets(ctx, m.ConversationID)
	if err != nil {
		return err
	}
	var mine []model.Ticket
	for _, t := range all {
		if m.SenderID == 0 || t.Requester.PersonID == 0 || t.Requester.PersonID == m.SenderID {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		return nil // not a requester here: "status" is just a word
	}
	switch a {
	case askProgress:
		return l.progress(ctx, m, mine)
	case askRate:
		return l.rate(ctx, m, mine, score)
	default:
		return l.reopen(ctx, m, l.withSurvivors(ctx, mine))
	}
}

// withSurvivors adds to a requester's tickets the ones theirs were merged
// into: a customer whose report joined another is told when that one is
// resolved, and their "没解决" reopens it.
func (l *Loop) withSurvivors(ctx context.Context, mine []model.Ticket) []model.Ticket {
	out := mine
	for _, t := range mine {
		if t.Status != model.TicketClosed {
			continue
		}
		link, ok, err := l.Svc.Store.DuplicateOf(ctx, t.ID)
		if err != nil || !ok {
			continue
		}
		if root, err := l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, link.SurvivorID); err == nil {
			out = append(out, root)
		}
	}
	return out
}

func (l *Loop) progress(ctx context.Context, m model.Message, mine []model.Ticket) error {
	var open, closed []model.Ticket
	for _, t := range mine {
		switch t.Status {
		case model.TicketClosed:
			closed = append(closed, t) // perhaps merged into a ticket still worked
		case model.TicketCancelled:
		default:
			open = append(open, t)
		}
	}
	text, err := l.progressReply(ctx, open, closed)
	if err != nil {
		return err
	}
	return l.reply(ctx, m, "ticket-progress", text)
}

// lastResolved is the newest resolved ticket, if any.
func lastResolved(mine []model.Ticket) (model.Ticket, bool) {
	for _, t := range mine {
		if t.Status == model.TicketResolved {
			return t, true
		}
	}
	return model.Ticket{}, false
}

// before reports whether t was resolved before m arrived, so that a
// message handled again (after a crash, or by a second node) never acts
// on a later resolution than the one it answered.
func before(t model.Ticket, m model.Message) bool {
	return !t.ResolvedAt.After(m.ReceivedAt)
}

// ratingWindow is how long after its resolution a ticket takes the
// requester's rating, also once it was closed (by an agent, or by
// auto-close before they answered). The conversation pass watches the
// conversations of tickets closed after a resolution for as long.
const ratingWindow = 7 * 24 * time.Hour

// lastRateable is the newest ticket that was resolved — still resolved,
// or closed since — the one a rating in chat answers.
func lastRateable(mine []model.Ticket) (model.Ticket, bool) {
	for _, t := range mine {
		if t.Status == model.TicketResolved || (t.Status == model.TicketClosed && !t.ResolvedAt.IsZero()) {
			return t, true
		}
	}
	return model.Ticket{}, false
}

// rate records a rating on the newest resolved (or closed after its
// resolution), unrated ticket.
func (l *Loop) rate(ctx context.Context, m model.Message, mine []model.Ticket, score int) error {
	t, ok := lastRateable(mine)
	if !ok || t.CSAT != 0 || !before(t, m) || m.ReceivedAt.Sub(t.ResolvedAt) > ratingWindow {
		return nil // a digit with nothing to rate is an ordinary message
	}
	t.CSAT = score
	change := model.TicketChange{Field: "csat", To: fmt.Sprint(score), Note: "requester rated in chat"}
	saved, err := l.Svc.Store.UpdateTicket(ctx, t, []model.TicketChange{change})
	if errors.Is(err, store.ErrStale) {
		return nil // changed meanwhile (reopened, closed): the rating no longer applies
	}
	if err != nil {
		return err
	}
	l.Svc.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: saved.OrgUnitID, Ticket: &saved})
	return l.reply(ctx, m, "ticket-csat", fmt.Sprintf("感谢您的评分：%d/5。 Thank you for rating %s: %d/5.", score, t.Key, score))
}

// reopen moves the newest resolved ticket back to in progress with the
// requester's words as the reason; the notice of the change answers them.
func (l *Loop) reopen(ctx context.Context, m model.Message, mine []model.Ticket) error {
	t, ok := lastResolved(mine)
	if !ok {
		if closed, ok := toFollowUp(mine, m); ok {
			return l.followUp(ctx, m, closed)
		}
		return nil
	}
	if !before(t, m) {
		return nil // resolved again after the message: it was about an earlier resolution
	}
	typ, err := l.Svc.ticketType(ctx, t.Type)
	if err != nil {
		return err
	}
	reason := "请求人回复 requester replied: " + strings.TrimSpace(m.Text)
	if err := CheckTransition(typ.Flow, t.Status, model.TicketInProgress, reason); err != nil {
		return err
	}
	stamp(&t, model.TicketInProgress, time.Now().UTC())
	change := model.TicketChange{Field: "status", From: string(model.TicketResolved), To: string(model.TicketInProgress), Note: reason}
	saved, err := l.Svc.Store.UpdateTicket(ctx, t, []model.TicketChange{change})
	if errors.Is(err, store.ErrStale) {
		return nil // someone moved it first
	}
	if err != nil {
		return err
	}
	l.Svc.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: saved.OrgUnitID, Ticket: &saved, From: string(model.TicketResolved)})
	l.Wake()
	return nil
}

// reply answers m in its conversation, keyed by the message.
func (l *Loop) reply(ctx context.Context, m model.Message, kind, text string) error {
	out := channel.Outbound{Text: text, ReplyTo: m.ExternalID, SenderName: "Switchboard"}
	if _, err := l.say(ctx, m.ConversationID, fmt.Sprintf("%s:%d", kind, m.ID), out); err != nil {
		return err
	}
	l.Enqueued()
	return nil
}
