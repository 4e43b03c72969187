package ticket

import (
	"context"
	"errors"
	"fmt"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// toFollowUp is the closed ticket a requester's "没解决" is about: the
// newest they had resolved, closed since (by an agent or by auto-close)
// and resolved before the message, within ratingWindow — the time the
// pass watches closed tickets' conversations. A requester with a ticket
// still worked on here is being served, so nothing is opened for them.
func toFollowUp(mine []model.Ticket, m model.Message) (model.Ticket, bool) {
	for _, t := range mine {
		if joinable(t.Status) {
			return model.Ticket{}, false
		}
	}
	t, ok := lastRateable(mine)
	if !ok || t.Status != model.TicketClosed || !before(t, m) || m.ReceivedAt.Sub(t.ResolvedAt) > ratingWindow {
		return model.Ticket{}, false
	}
	return t, true
}

// followUp opens a new ticket for a requester who says their closed
// ticket is not solved: closed is final, so instead of reopening it the
// message becomes the source of a ticket of the same type, category and
// team that names the closed one, and the closed ticket's history links
// to it. Its 已受理 notice ("[SB-…] 跟进 SB-…") answers the requester.
// Creation is idempotent by the message, so a pass repeated after a
// crash, or by a second node, opens one ticket.
func (l *Loop) followUp(ctx context.Context, m model.Message, closed model.Ticket) error {
	in := Create{Type: closed.Type, Title: "跟进 " + closed.Key + "：" + closed.Title,
		Description: fmt.Sprintf("请求人回复“%s”，接续已关闭的工单 %s。 Follow-up of closed ticket %s: the requester replied that it is not solved.",
			firstLine(m.Text), closed.Key, closed.Key),
		TeamID: closed.TeamID, Category: closed.Category, Tags: closed.Tags, Factors: closed.Factors, Sources: []int64{m.ID}}
	if closed.AssigneeID != 0 {
		in.Watchers = []int64{closed.AssigneeID} // who solved it last time sees it come back
	}
	t, created, err := l.Svc.Create(ctx, System, in)
	if err != nil || !created {
		return err
	}
	l.Wake()
	change := model.TicketChange{Field: "follow_up", To: t.Key, Note: "请求人回复没解决 requester replied not solved"}
	saved, err := l.Svc.Store.UpdateTicket(ctx, closed, []model.TicketChange{change})
	if errors.Is(err, store.ErrStale) {
		return nil // changed meanwhile (rated, say): the new ticket names this one anyway
	}
	if err != nil {
		return err
	}
	l.Svc.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: saved.OrgUnitID, Ticket: &saved})
	return nil
}
