package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// ExternalEvent is a change an external ticket system (Jira, ServiceNow…)
// pushes back. (System, EventID) identifies it: the same event twice is
// applied once.
type ExternalEvent struct {
	EventID     string             `json:"event_id"`
	System      string             `json:"system"`
	Status      model.TicketStatus `json:"status"`
	Reason      string             `json:"reason"`
	Comment     *ExternalComment   `json:"comment"`
	ExternalRef string             `json:"external_ref"`
}

// ExternalComment is a comment an external system adds.
type ExternalComment struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
}

// ExternalResult is the answer to an external event.
type ExternalResult struct {
	Duplicate bool         `json:"duplicate"`
	Changed   []string     `json:"changed"` // what this event did: status, comment, external_ref
	Ticket    model.Ticket `json:"ticket"`
}

var systemName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

func (in ExternalEvent) check() error {
	switch {
	case !systemName.MatchString(in.System):
		return errcode.BadExternal.With("system: lower-case letters, digits, . _ - (up to 40), got %q", in.System)
	case strings.TrimSpace(in.EventID) == "" || len(in.EventID) > 200:
		return errcode.BadExternal.With("event_id: 1 to 200 characters")
	case in.Comment != nil && strings.TrimSpace(in.Comment.Body) == "":
		return errcode.BadExternal.With("comment.body is empty")
	case in.Status == "" && in.Comment == nil && in.ExternalRef == "":
		return errcode.BadExternal.With("nothing to apply: send status, comment or external_ref")
	case in.Status != "" && !KnownStatus(in.Status):
		return errcode.BadTicketField.With("status %q is unknown", in.Status)
	}
	return nil
}

// External applies an external event to a ticket the caller may change:
// a status move along the lifecycle, a comment and the external reference,
// all in one transaction with the event's claim.
func (s *Service) External(ctx context.Context, c Caller, id int64, in ExternalEvent) (ExternalResult, error) {
	if err := in.check(); err != nil {
		return ExternalResult{}, err
	}
	t, err := s.load(ctx, c, id)
	if err != nil {
		return ExternalResult{}, err
	}
	// A repeat is answered before it is checked against a ticket that has
	// moved on since; the claim in the transaction settles races.
	if stored, seen, err := s.Store.ExternalEventResult(ctx, in.System, in.EventID); err != nil || seen {
		return s.duplicate(ctx, t.ID, stored, err)
	}
	ev := store.ExternalEvent{System: in.System, EventID: in.EventID, TicketID: t.ID, ActorID: c.User.ID, Ref: strings.TrimSpace(in.ExternalRef)}
	res := ExternalResult{Changed: []string{}}
	from := t.Status
	if in.Status != "" && in.Status != t.Status {
		if err := s.externalMove(ctx, c, &t, in, &ev); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, "status")
	}
	if in.Comment != nil {
		ev.Comment = &model.TicketComment{AuthorID: c.User.ID, Body: in.Comment.Body, Public: in.Comment.Public}
		res.Changed = append(res.Changed, "comment")
	}
	if ev.Ref != "" {
		res.Changed = append(res.Changed, "external_ref")
	}
	ev.Result, _ = json.Marshal(res.Changed)
	stored, dup, err := s.Store.ApplyExternalEvent(ctx, ev)
	if errors.Is(err, store.ErrStale) {
		return res, errcode.StaleVersion.With("ticket %s changed while the event was applied; send it again", t.Key)
	}
	if err != nil {
		return res, err
	}
	if dup {
		return s.duplicate(ctx, t.ID, stored, nil)
	}
	if res.Ticket, err = s.Store.GetTicket(ctx, store.TicketScope{All: true}, t.ID); err != nil {
		return res, err
	}
	if ev.Ticket != nil {
		s.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: t.OrgUnitID, Ticket: &res.Ticket, From: string(from)})
		s.released(ctx, res.Ticket, from)
	}
	return res, nil
}

// externalMove checks the status change against the type's flow and adds
// it to ev.
func (s *Service) externalMove(ctx context.Context, c Caller, t *model.Ticket, in ExternalEvent, ev *store.ExternalEvent) error {
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" && in.Comment != nil {
		reason = strings.TrimSpace(in.Comment.Body)
	}
	if err := CheckTransition(typ.Flow, t.Status, in.Status, reason); err != nil {
		return err
	}
	from := t.Status
	stamp(t, in.Status, time.Now().UTC())
	ev.Ticket = t
	ev.Changes = []model.TicketChange{{ActorID: c.User.ID, Field: "status", From: string(from), To: string(in.Status),
		Note: reason}}
	return nil
}

// duplicate answers a repeated event with what the first one did.
func (s *Service) duplicate(ctx context.Context, id int64, stored []byte, err error) (ExternalResult, error) {
	res := ExternalResult{Duplicate: true, Changed: []string{}}
	if err != nil {
		return res, err
	}
	_ = json.Unmarshal(stored, &res.Changed)
	res.Ticket, err = s.Store.GetTicket(ctx, store.TicketScope{All: true}, id)
	return res, err
}
