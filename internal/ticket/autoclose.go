package ticket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// autoCloseBatch bounds one pass's work; the next pass takes the rest.
const autoCloseBatch = 200

// AutoClose closes the tickets resolved longer than after ago that nobody
// reopened: a requester who neither rated nor said 没解决 in that time is
// taken as satisfied, and the ticket leaves the resolved column. Each
// close is a versioned write, so two nodes passing at once close a ticket
// once, and a ticket reopened meanwhile stays open. It returns how many
// it closed.
func (s *Service) AutoClose(ctx context.Context, after time.Duration, now time.Time) (int, error) {
	if after <= 0 {
		return 0, nil
	}
	due, err := s.Store.ResolvedTicketsBefore(ctx, now.Add(-after), autoCloseBatch)
	if err != nil {
		return 0, err
	}
	closed := 0
	for _, t := range due {
		ok, err := s.autoCloseOne(ctx, t, after, now)
		if err != nil {
			return closed, fmt.Errorf("auto-close %s: %w", t.Key, err)
		}
		if ok {
			closed++
		}
	}
	return closed, nil
}

func (s *Service) autoCloseOne(ctx context.Context, t model.Ticket, after time.Duration, now time.Time) (bool, error) {
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return false, err
	}
	if CheckTransition(typ.Flow, t.Status, model.TicketClosed, "") != nil {
		return false, nil // a type whose flow has no close from here
	}
	stamp(&t, model.TicketClosed, now.UTC())
	change := model.TicketChange{Field: "status", From: string(model.TicketResolved), To: string(model.TicketClosed),
		Note: fmt.Sprintf("自动关闭：已解决 %[1]s 无回复 auto-closed: resolved for %[1]s without a reply", short(after))}
	saved, err := s.Store.UpdateTicket(ctx, t, []model.TicketChange{change})
	if errors.Is(err, store.ErrStale) {
		return false, nil // reopened, rated or closed meanwhile: the next pass reads it again
	}
	if err != nil {
		return false, err
	}
	s.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: saved.OrgUnitID, Ticket: &saved, From: string(model.TicketResolved)})
	return true, nil
}

// short writes a wait as people set it: 72h, not 72h0m0s.
func short(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	return strings.TrimSuffix(out, "0m")
}
