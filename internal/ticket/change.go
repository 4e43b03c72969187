package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Patch changes some fields of a ticket read at Version; nil fields stay.
type Patch struct {
	Version     int64                  `json:"version"`
	Title       *string                `json:"title"`
	Description *string                `json:"description"`
	OrgUnitID   *int64                 `json:"org_unit_id"`
	TeamID      *int64                 `json:"team_id"`
	AssigneeID  *int64                 `json:"assignee_id"`
	Watchers    *[]int64               `json:"watchers"`
	Category    *string                `json:"category"`
	Tags        *[]string              `json:"tags"`
	Fields      *map[string]string     `json:"fields"`
	DueAt       *time.Time             `json:"due_at"` // the zero time clears it
	Factors     *model.PriorityFactors `json:"factors"`
}

// load returns a ticket the caller may see and change.
func (s *Service) load(ctx context.Context, c Caller, id int64) (model.Ticket, error) {
	t, err := s.Store.GetTicket(ctx, ScopeFor(c.User), id)
	if err != nil {
		return t, err
	}
	if ok, err := canChange(ctx, s.Store, c.User, t); err != nil || !ok {
		return t, orForbidden(err, "changing ticket %s", t.Key)
	}
	return t, nil
}

// Update applies p if the ticket is still at p.Version.
func (s *Service) Update(ctx context.Context, c Caller, id int64, p Patch) (model.Ticket, error) {
	if p.Version <= 0 {
		return model.Ticket{}, errcode.MissingField.With("version (of the ticket as you read it)")
	}
	t, err := s.load(ctx, c, id)
	if err != nil {
		return t, err
	}
	if t.Version != p.Version {
		return t, errcode.StaleVersion.With("ticket %s is at version %d, you sent %d", t.Key, t.Version, p.Version)
	}
	before := t
	var changes []model.TicketChange
	rec := func(field string, from, to any) {
		if f, tt := show(from), show(to); f != tt {
			changes = append(changes, model.TicketChange{ActorID: c.User.ID, Field: field, From: f, To: tt})
		}
	}
	if err := s.apply(ctx, &t, p, rec); err != nil {
		return before, err
	}
	if p.Fields != nil {
		if err := s.checkTicketFields(ctx, t); err != nil {
			return before, err
		}
	}
	if t.OrgUnitID != before.OrgUnitID {
		if ok, err := isStaff(ctx, s.Store, c.User, t.OrgUnitID); err != nil || !ok {
			return before, orForbidden(err, "moving ticket %s to org unit %d", t.Key, t.OrgUnitID)
		}
	}
	if len(changes) == 0 {
		return before, nil
	}
	if err := s.checkRefs(ctx, t); err != nil {
		return before, err
	}
	t, err = s.save(ctx, t, changes)
	if err == nil {
		s.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: t.OrgUnitID, Ticket: &t})
		t = s.reassigned(ctx, before, t)
	}
	return t, err
}

// apply copies p's fields onto t, recording each change.
func (s *Service) apply(ctx context.Context, t *model.Ticket, p Patch, rec func(string, any, any)) error {
	if p.Title != nil {
		if strings.TrimSpace(*p.Title) == "" {
			return errcode.BadTicketField.With("title is empty")
		}
		rec("title", t.Title, strings.TrimSpace(*p.Title))
		t.Title = strings.TrimSpace(*p.Title)
	}
	set(p.Description, &t.Description, "description", rec)
	set(p.Category, &t.Category, "category", rec)
	set(p.OrgUnitID, &t.OrgUnitID, "org_unit_id", rec)
	set(p.TeamID, &t.TeamID, "team_id", rec)
	set(p.AssigneeID, &t.AssigneeID, "assignee_id", rec)
	set(p.DueAt, &t.DueAt, "due_at", rec)
	if p.Watchers != nil {
		w := slices.Compact(slices.Sorted(slices.Values(*p.Watchers)))
		rec("watchers", t.Watchers, w)
		t.Watchers = w
	}
	if p.Tags != nil {
		tags := slices.Compact(slices.Sorted(slices.Values(*p.Tags)))
		rec("tags", t.Tags, tags)
		t.Tags = tags
	}
	set(p.Fields, &t.Fields, "fields", rec)
	if p.Factors != nil {
		if err := CheckFactors(*p.Factors); err != nil {
			return err
		}
		old := summary(t.Explanation)
		t.Factors = *p.Factors
		if err := s.score(ctx, t); err != nil {
			return err
		}
		rec("priority", old, summary(t.Explanation))
	}
	if t.OrgUnitID == 0 {
		return errcode.BadTicketField.With("org_unit_id cannot be cleared")
	}
	return nil
}

func set[T any](v *T, dst *T, field string, rec func(string, any, any)) {
	if v != nil {
		rec(field, *dst, *v)
		*dst = *v
	}
}

// show renders a field value for the history.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		if x == 0 {
			return ""
		}
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(v)
	if s := string(b); s != "null" && s != "[]" && s != "{}" {
		return s
	}
	return ""
}

// save writes t at the version it was read with.
func (s *Service) save(ctx context.Context, t model.Ticket, changes []model.TicketChange) (model.Ticket, error) {
	saved, err := s.Store.UpdateTicket(ctx, t, changes)
	if errors.Is(err, store.ErrStale) {
		return t, errcode.StaleVersion.With("ticket %s was changed by someone else while you edited it", t.Key)
	}
	return saved, err
}

// Transition is a status change request.
type Transition struct {
	To      model.TicketStatus `json:"to"`
	Reason  string             `json:"reason"`
	Version int64              `json:"version"` // optional: refuse if the ticket moved on
}

// Move changes a ticket's status along its type's flow. Without a version
// the caller asked for "this status, now": a background write between the
// read and the write (an SLA escalation, an assignment, a joined message)
// is not their conflict, so the move is read and tried again.
func (s *Service) Move(ctx context.Context, c Caller, id int64, tr Transition) (model.Ticket, error) {
	for attempt := 1; ; attempt++ {
		t, err := s.moveOnce(ctx, c, id, tr)
		if tr.Version != 0 || attempt == 3 || !errors.Is(err, errcode.StaleVersion) {
			return t, err
		}
	}
}

func (s *Service) moveOnce(ctx context.Context, c Caller, id int64, tr Transition) (model.Ticket, error) {
	if tr.To == "" {
		return model.Ticket{}, errcode.MissingField.With("to")
	}
	if !KnownStatus(tr.To) {
		return model.Ticket{}, errcode.BadTicketField.With("status %q is unknown", tr.To)
	}
	t, err := s.load(ctx, c, id)
	if err != nil {
		return t, err
	}
	if tr.Version != 0 && tr.Version != t.Version {
		return t, errcode.StaleVersion.With("ticket %s is at version %d, you sent %d", t.Key, t.Version, tr.Version)
	}
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return t, err
	}
	from := t.Status
	if err := CheckTransition(typ.Flow, from, tr.To, tr.Reason); err != nil {
		return t, err
	}
	stamp(&t, tr.To, time.Now().UTC())
	change := model.TicketChange{ActorID: c.User.ID, Field: "status", From: string(from), To: string(tr.To), Note: strings.TrimSpace(tr.Reason)}
	t, err = s.save(ctx, t, []model.TicketChange{change})
	if err == nil {
		s.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: t.OrgUnitID, Ticket: &t, From: string(from)})
		s.released(ctx, t, from)
	}
	return t, err
}

// stamp sets the status and the times that go with it; a reopened ticket
// is no longer resolved.
func stamp(t *model.Ticket, to model.TicketStatus, now time.Time) {
	t.Status = to
	switch to {
	case model.TicketResolved:
		t.ResolvedAt = now
	case model.TicketClosed, model.TicketCancelled:
		t.ClosedAt = now
	case model.TicketInProgress:
		t.ResolvedAt = time.Time{}
	}
}

// Comment adds a comment to a ticket the caller may see.
func (s *Service) Comment(ctx context.Context, c Caller, id int64, body string, public bool) (model.TicketComment, error) {
	if strings.TrimSpace(body) == "" {
		return model.TicketComment{}, errcode.MissingField.With("body")
	}
	t, err := s.Store.GetTicket(ctx, ScopeFor(c.User), id)
	if err != nil {
		return model.TicketComment{}, err
	}
	cm, err := s.Store.AddTicketComment(ctx, model.TicketComment{TicketID: t.ID, AuthorID: c.User.ID, Body: body, Public: public})
	if err == nil && public {
		s.commented(ctx, t.ID) // a first response
	}
	return cm, err
}

// Detail is a ticket with everything its page shows.
type Detail struct {
	model.Ticket
	Allowed  []model.TicketStatus  `json:"allowed_transitions"`
	Sources  []model.TicketSource  `json:"sources"`
	Comments []model.TicketComment `json:"comments"`
	History  []model.TicketChange  `json:"history"`
	Duplicates
	SLA *model.TicketSLAView `json:"sla"` // null without a policy
	// Attachments are the files of the source messages, each with the
	// message it came in and its index there (for the download link).
	Attachments []SourceAttachment `json:"attachments"`
	// ExternalRefs are the ticket's keys in external systems (a Jira issue).
	ExternalRefs []model.ExternalRef `json:"external_refs"`
}

// Get returns a ticket's detail. Internal comments are for the staff of
// its unit; others (a member on their own request) see public ones only.
func (s *Service) Get(ctx context.Context, c Caller, id int64) (Detail, error) {
	t, err := s.Store.GetTicket(ctx, ScopeFor(c.User), id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Ticket: t}
	staff, err := worksOn(ctx, s.Store, c.User, t)
	if err != nil {
		return d, err
	}
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return d, err
	}
	d.Allowed = append([]model.TicketStatus{}, Allowed(typ.Flow, t.Status)...)
	if d.Sources, err = s.Store.TicketSources(ctx, id); err != nil {
		return d, err
	}
	if d.Comments, err = s.Store.TicketComments(ctx, id, !staff); err != nil {
		return d, err
	}
	if d.History, err = s.Store.TicketHistory(ctx, id); err != nil {
		return d, fmt.Errorf("ticket %d: history: %w", id, err)
	}
	if d.ExternalRefs, err = s.Store.ExternalRefs(ctx, id); err != nil {
		return d, err
	}
	if d.Duplicates, err = s.duplicates(ctx, c, t, staff); err != nil {
		return d, err
	}
	if d.Attachments, err = s.attachments(ctx, c, d.Sources); err != nil {
		return d, err
	}
	d.SLA, err = s.slaView(ctx, d)
	return d, err
}
