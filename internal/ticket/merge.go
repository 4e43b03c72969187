package ticket

import (
	"context"
	"errors"
	"slices"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/similar"
	"switchboard/internal/store"
)

// mergeError turns the store's refusals into the catalogue's.
func mergeError(err error) error {
	for _, m := range []struct {
		is   error
		code *errcode.Error
	}{{store.ErrDuplicateCycle, errcode.MergeCycle}, {store.ErrAlreadyDuplicate, errcode.AlreadyDuplicate},
		{store.ErrSurvivorClosed, errcode.MergeIntoClosed}} {
		if errors.Is(err, m.is) {
			return m.code.With("%v", err)
		}
	}
	return err
}

// loadOther is load for a ticket named in a request body: one that exists
// outside the caller's scope is Forbidden (and so audited), not missing.
func (s *Service) loadOther(ctx context.Context, c Caller, id int64) (model.Ticket, error) {
	t, err := s.load(ctx, c, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, e := s.Store.GetTicket(ctx, store.TicketScope{All: true}, id); e == nil {
			return t, errcode.Forbidden.With("ticket %d belongs to another department", id)
		}
		return t, errcode.NotFound.With("ticket %d", id)
	}
	return t, err
}

// Merge makes ticket id a duplicate of into, by an agent's hand: the
// duplicate is closed with "已合并到 SB-…", its requester told, and it
// counts as a mention of into (or of the ticket into is a duplicate of).
func (s *Service) Merge(ctx context.Context, c Caller, id, into int64) (model.Ticket, error) {
	if into == 0 {
		return model.Ticket{}, errcode.MissingField.With("into")
	}
	if id == into {
		return model.Ticket{}, errcode.MergeIntoSelf.With("ticket %d", id)
	}
	t, err := s.load(ctx, c, id)
	if err != nil {
		return t, err
	}
	other, err := s.loadOther(ctx, c, into)
	if err != nil {
		return t, err
	}
	score := similar.Score(t.Title+"\n"+t.Description, other.Title+"\n"+other.Description)
	return s.link(ctx, t, into, score, c.User.ID, false)
}

// Decide accepts (merges) or dismisses an open duplicate suggestion.
func (s *Service) Decide(ctx context.Context, c Caller, id, candidate int64, decision string) (model.Ticket, error) {
	if decision != "accept" && decision != "dismiss" {
		return model.Ticket{}, errcode.BadDecision.With("%q", decision)
	}
	t, err := s.load(ctx, c, id)
	if err != nil {
		return t, err
	}
	open, err := s.Store.DuplicateSuggestions(ctx, id)
	if err != nil {
		return t, err
	}
	if !slices.ContainsFunc(open, func(x model.DuplicateSuggestion) bool { return x.CandidateID == candidate }) {
		return t, errcode.NoSuggestion.With("ticket %s, candidate %d", t.Key, candidate)
	}
	if decision == "accept" {
		return s.Merge(ctx, c, id, candidate) // the link marks the suggestion accepted
	}
	if err := s.Store.DecideSuggestion(ctx, id, candidate, model.SuggestionDismissed, c.User.ID); err != nil {
		return t, err
	}
	return t, nil
}

// Split asks for a new ticket made of some of a ticket's source messages.
type Split struct {
	Sources []int64 `json:"source_message_ids"`
	Title   string  `json:"title"`
	Type    string  `json:"type"` // default: the original's
}

// Split moves the named source messages of ticket id to a new ticket with
// the same requester, unit and team; both histories say so.
func (s *Service) Split(ctx context.Context, c Caller, id int64, in Split) (model.Ticket, error) {
	t, err := s.load(ctx, c, id)
	if err != nil {
		return t, err
	}
	if err := s.checkSplit(ctx, t, in.Sources); err != nil {
		return t, err
	}
	if in.Type == "" {
		in.Type = t.Type
	}
	typ, err := s.ticketType(ctx, in.Type)
	if err != nil {
		return t, err
	}
	nt := model.Ticket{Type: typ.Name, Title: in.Title, Status: model.TicketAccepted, Requester: t.Requester,
		OrgUnitID: t.OrgUnitID, TeamID: t.TeamID, Category: t.Category, Factors: t.Factors}
	m, err := s.Store.GetMessage(ctx, c.MessageScope, in.Sources[0], 0)
	if err != nil {
		return t, err
	}
	if nt.Title == "" {
		nt.Title = firstLine(m.Text)
	}
	nt.Description = m.Text
	if err := s.admit(ctx, c, &nt); err != nil {
		return t, err
	}
	nt, err = s.Store.SplitTicket(ctx, store.SplitTicket{From: t.ID, Sources: in.Sources, Ticket: nt, ActorID: c.User.ID})
	if errors.Is(err, store.ErrConflict) {
		return t, errcode.BadSplit.With("%v", err)
	}
	if err != nil {
		return t, err
	}
	s.publish(ctx, bus.Event{Type: bus.TicketCreated, OrgUnitID: nt.OrgUnitID, Ticket: &nt})
	return s.queue(ctx, nt), nil
}

// checkSplit: each message is a source of t, and t keeps at least one.
func (s *Service) checkSplit(ctx context.Context, t model.Ticket, ids []int64) error {
	if len(ids) == 0 {
		return errcode.MissingField.With("source_message_ids")
	}
	have, err := s.Store.TicketSources(ctx, t.ID)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) || !slices.ContainsFunc(have, func(x model.TicketSource) bool { return x.MessageID == id }) {
			return errcode.BadSplit.With("message %d is not a source of %s (or is named twice)", id, t.Key)
		}
	}
	if len(ids) >= len(have) {
		return errcode.BadSplit.With("%s would keep no source message; edit it instead", t.Key)
	}
	return nil
}

// DuplicateRef names a linked ticket.
type DuplicateRef struct {
	TicketID int64   `json:"ticket_id"`
	Key      string  `json:"key"`
	Score    float64 `json:"score"`
	LinkedBy int64   `json:"linked_by,omitempty"`
}

// Duplicates is what a ticket's page shows about repeats: the ticket it
// was merged into, the tickets merged into it, how often its need was
// raised (for a duplicate: its survivor's count) and, for staff, the open
// suggestions to accept or dismiss.
type Duplicates struct {
	DuplicateOf *DuplicateRef               `json:"duplicate_of,omitempty"`
	Merged      []DuplicateRef              `json:"duplicates"`
	Mentions    model.Mentions              `json:"mentions"`
	Suggestions []model.DuplicateSuggestion `json:"duplicate_suggestions"`
}

func (s *Service) duplicates(ctx context.Context, c Caller, t model.Ticket, staff bool) (Duplicates, error) {
	d := Duplicates{Merged: []DuplicateRef{}, Suggestions: []model.DuplicateSuggestion{}}
	root := t.ID
	if l, ok, err := s.Store.DuplicateOf(ctx, t.ID); err != nil {
		return d, err
	} else if ok {
		root = l.SurvivorID
		d.DuplicateOf = &DuplicateRef{TicketID: root, Key: s.key(ctx, root), Score: l.Score, LinkedBy: l.LinkedBy}
	}
	links, err := s.Store.Duplicates(ctx, t.ID)
	if err != nil {
		return d, err
	}
	for _, l := range links {
		d.Merged = append(d.Merged, DuplicateRef{TicketID: l.TicketID, Key: s.key(ctx, l.TicketID), Score: l.Score, LinkedBy: l.LinkedBy})
	}
	if d.Mentions, err = s.Store.Mentions(ctx, root); err != nil || !staff {
		return d, err
	}
	sug, err := s.Store.DuplicateSuggestions(ctx, t.ID)
	for _, x := range sug {
		if _, e := s.Store.GetTicket(ctx, ScopeFor(c.User), x.CandidateID); e == nil {
			d.Suggestions = append(d.Suggestions, x) // only candidates the caller may open
		}
	}
	return d, err
}

// key is a ticket's SB number, for references in a page.
func (s *Service) key(ctx context.Context, id int64) string {
	t, err := s.Store.GetTicket(ctx, store.TicketScope{All: true}, id)
	if err != nil {
		return ""
	}
	return t.Key
}
