package ticket

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/similar"
	"switchboard/internal/store"
)

// DefaultDuplicates apply until an admin sets their own. Tasks and
// approvals are left out: rules make one task per message on purpose.
var DefaultDuplicates = model.DuplicateSettings{Enabled: true, Suggest: 0.4, Link: 0.65, WindowDays: 30, Candidates: 500,
	Types: []string{model.TypeIncident, model.TypeRequirement, model.TypeFeedback}}

// maxSuggestions bounds the suggestions kept per ticket.
const maxSuggestions = 5

// DuplicateSettings returns the admin's settings, or the defaults.
func (s *Service) DuplicateSettings(ctx context.Context) (model.DuplicateSettings, error) {
	d, ok, err := s.Store.DuplicateSettings(ctx)
	if err != nil || !ok {
		return DefaultDuplicates, err
	}
	return d, nil
}

// SetDuplicateSettings validates and stores the settings.
func (s *Service) SetDuplicateSettings(ctx context.Context, d model.DuplicateSettings) (model.DuplicateSettings, error) {
	if err := s.checkDuplicateSettings(ctx, &d); err != nil {
		return d, err
	}
	return d, s.Store.SetDuplicateSettings(ctx, d)
}

func (s *Service) checkDuplicateSettings(ctx context.Context, d *model.DuplicateSettings) error {
	switch {
	case d.Suggest <= 0 || d.Link > 1 || d.Suggest > d.Link:
		return errcode.BadDupSettings.With("suggest %.2f, link %.2f: want 0 < suggest ≤ link ≤ 1", d.Suggest, d.Link)
	case d.WindowDays < 1 || d.WindowDays > 365:
		return errcode.BadDupSettings.With("window_days %d", d.WindowDays)
	case d.Candidates < 1 || d.Candidates > 5000:
		return errcode.BadDupSettings.With("candidates %d", d.Candidates)
	}
	if d.Types == nil {
		d.Types = []string{}
	}
	for _, name := range d.Types {
		if _, err := s.ticketType(ctx, name); err != nil {
			return errcode.BadDupSettings.With("type %q: %v", name, err)
		}
	}
	return nil
}

// match is a candidate with its similarity to the new ticket.
type match struct {
	t     model.Ticket
	score float64
}

// dedupe compares a new ticket with the open tickets it may repeat. Above
// the link threshold a ticket with a requester becomes a duplicate of the best match (closed, its
// requester told where it went); between the thresholds the matches are
// kept as suggestions for the agent. Only older tickets are candidates, so
// of two similar tickets made at once on two nodes the newer always joins
// the older and never the other way round. A failure is logged and the
// ticket stays as created: with no check recorded, the sweep
// (DupeSweep) checks it again.
func (s *Service) dedupe(ctx context.Context, t model.Ticket) model.Ticket {
	t, err := s.checkDuplicates(ctx, t)
	if err != nil {
		s.warn("duplicates not checked", t.ID, err)
	}
	return t
}

// checkDuplicates checks t and records the outcome, once: the record is
// written with the link or the suggestions, and a check that finds one
// recorded (the creating request and a sweep, or two nodes' sweeps, at
// once) writes nothing. While detection is off, or for a type it skips,
// the ticket is recorded skipped, so turning detection on later never
// merges tickets made meanwhile.
func (s *Service) checkDuplicates(ctx context.Context, t model.Ticket) (model.Ticket, error) {
	cfg, err := s.DuplicateSettings(ctx)
	if err != nil {
		return t, err
	}
	if !cfg.Enabled || !slices.Contains(cfg.Types, t.Type) {
		_, err := s.Store.FinishDupeCheck(ctx, t.ID, store.DupeSkipped, nil)
		return t, err
	}
	matches, err := s.matches(ctx, t, cfg)
	if err != nil {
		return t, err
	}
	// Only a request someone raised is merged on its own: a ticket an agent
	// typed without a requester may be a deliberate twin, so it is only
	// offered the match.
	if len(matches) > 0 && matches[0].score >= cfg.Link && t.Requester.PersonID != 0 {
		linked, err := s.link(ctx, t, matches[0].t.ID, matches[0].score, 0, true)
		if err == nil {
			return linked, nil
		}
		if errors.Is(err, store.ErrDupeChecked) {
			return s.current(ctx, t)
		}
		s.warn("duplicate not linked", t.ID, err) // e.g. the match was closed meanwhile: suggest it instead
	}
	var sug []model.DuplicateSuggestion
	for _, m := range matches {
		if m.score >= cfg.Suggest && len(sug) < maxSuggestions {
			sug = append(sug, model.DuplicateSuggestion{CandidateID: m.t.ID, Score: m.score})
		}
	}
	outcome := store.DupeNone
	if len(sug) > 0 {
		outcome = store.DupeSuggested
	}
	done, err := s.Store.FinishDupeCheck(ctx, t.ID, outcome, sug)
	if err != nil || done {
		return t, err
	}
	return s.current(ctx, t)
}

// current is t as committed now: another check got there first and may
// have closed it as a duplicate, so the caller must not queue it as it was.
func (s *Service) current(ctx context.Context, t model.Ticket) (model.Ticket, error) {
	now, err := s.Store.GetTicket(ctx, store.TicketScope{All: true}, t.ID)
	if err != nil {
		return t, err
	}
	return now, nil
}

// matches scores the candidates of t, best first. Descriptions are
// sealed at rest, so the comparison runs here over decrypted text.
func (s *Service) matches(ctx context.Context, t model.Ticket, cfg model.DuplicateSettings) ([]match, error) {
	cands, err := s.Store.DuplicateCandidates(ctx, store.DuplicateCandidates{TicketID: t.ID, Type: t.Type, OrgUnitID: t.OrgUnitID,
		TeamID: t.TeamID, Since: time.Now().AddDate(0, 0, -cfg.WindowDays), Limit: cfg.Candidates})
	if err != nil {
		return nil, err
	}
	self := similar.Tokens(t.Title + "\n" + t.Description)
	var out []match
	for _, c := range cands {
		if sc := similar.Cosine(self, similar.Tokens(c.Title+"\n"+c.Description)); sc > 0 {
			out = append(out, match{c, sc})
		}
	}
	slices.SortStableFunc(out, func(a, b match) int {
		if a.score != b.score {
			return cmpDesc(a.score, b.score)
		}
		return int(a.t.ID - b.t.ID) // the older wins a tie
	})
	return out, nil
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

// link makes t a duplicate of into, then publishes both changes and frees
// the duplicate's place in its assignee's load. check records t's
// duplicate check with the link (detection's links, not an agent's merge).
func (s *Service) link(ctx context.Context, t model.Ticket, into int64, score float64, actor int64, check bool) (model.Ticket, error) {
	root, err := s.Store.GetTicket(ctx, store.TicketScope{All: true}, into)
	if err != nil {
		return t, err
	}
	note := fmt.Sprintf("已合并到 %s Merged into %s", root.Key, root.Key)
	l, err := s.Store.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: t.ID, SurvivorID: into, Score: score, ActorID: actor, Note: note, Check: check})
	if err != nil {
		return t, mergeError(err)
	}
	from := t.Status
	if t, err = s.Store.GetTicket(ctx, store.TicketScope{All: true}, t.ID); err != nil {
		return t, err
	}
	if root, err = s.Store.GetTicket(ctx, store.TicketScope{All: true}, l.SurvivorID); err == nil {
		s.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: root.OrgUnitID, Ticket: &root})
	}
	if t.Status != from {
		s.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: t.OrgUnitID, Ticket: &t, From: string(from)})
		s.released(ctx, t, from)
	}
	return t, nil
}
