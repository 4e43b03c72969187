package ticket

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Store is what the service needs from the database.
type Store interface {
	store.Tickets
	store.TicketRouting
	store.TicketExternal
	store.TicketDuplicates
	store.TicketSLAs
	store.TicketIntake
	store.TicketDupeChecks
	store.TicketAgentLoad
	Subtree(ctx context.Context, id int64) ([]int64, error)
	GetOrgUnit(ctx context.Context, id int64) (model.OrgUnit, error)
	GetUser(ctx context.Context, id int64) (model.User, error)
	GetMessage(ctx context.Context, scope store.Scope, id, viewerID int64) (model.Message, error)
	GetPerson(ctx context.Context, id int64) (model.Person, []model.Identity, error)
}

// Service creates and changes tickets, enforcing the lifecycle, scoring
// and permissions, and publishes an event for every committed change.
type Service struct {
	Store Store
	Bus   bus.Bus
	Log   *slog.Logger
}

// Caller is who acts: the user and the message scope they read with.
type Caller struct {
	User         model.User
	MessageScope store.Scope
}

// System is the server acting on its own — a rule's ticket or task, the
// conversation pass's follow-up: it may create in any unit, and its
// history entries carry user id 0 (系统).
var System = Caller{
	User:         model.User{Login: "system", Name: "系统 / system", Roles: []model.RoleGrant{{Role: model.RoleAdmin, OrgUnitID: 1}}},
	MessageScope: store.Scope{All: true},
}

// Create is a new ticket as a client asks for it.
type Create struct {
	Type        string                `json:"type"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	OrgUnitID   int64                 `json:"org_unit_id"`
	TeamID      int64                 `json:"team_id"`
	AssigneeID  int64                 `json:"assignee_id"`
	Watchers    []int64               `json:"watchers"`
	Category    string                `json:"category"`
	Tags        []string              `json:"tags"`
	Fields      map[string]string     `json:"fields"`
	DueAt       time.Time             `json:"due_at"`
	Factors     model.PriorityFactors `json:"factors"`
	RequesterID int64                 `json:"requester_person_id"` // when there are no source messages
	Sources     []int64               `json:"source_message_ids"`
}

// titleRunes bounds a title taken from a message.
const titleRunes = 80

// Create stores a ticket, or returns the one its source messages already
// belong to (created false), so retried creations make one ticket.
func (s *Service) Create(ctx context.Context, c Caller, in Create) (model.Ticket, bool, error) {
	typ, err := s.ticketType(ctx, in.Type)
	if err != nil {
		return model.Ticket{}, false, err
	}
	if err := CheckFactors(in.Factors); err != nil {
		return model.Ticket{}, false, err
	}
	if err := CheckFields(typ, in.Fields); err != nil {
		return model.Ticket{}, false, err
	}
	t := model.Ticket{Type: typ.Name, Title: strings.TrimSpace(in.Title), Description: in.Description, Status: model.TicketAccepted,
		OrgUnitID: in.OrgUnitID, TeamID: in.TeamID, AssigneeID: in.AssigneeID, Watchers: in.Watchers, Category: in.Category,
		Tags: in.Tags, Fields: in.Fields, DueAt: in.DueAt, Factors: in.Factors}
	sources, texts, err := s.sources(ctx, c, in, &t)
	if err != nil {
		return model.Ticket{}, false, err
	}
	if _, err := s.extract(ctx, &t, append([]string{t.Description}, texts...)...); err != nil {
		return model.Ticket{}, false, err
	}
	if err := s.admit(ctx, c, &t); err != nil {
		return model.Ticket{}, false, err
	}
	if err := s.route(ctx, &t); err != nil {
		return model.Ticket{}, false, err
	}
	t, created, err := s.Store.CreateTicket(ctx, store.NewTicket{Ticket: t, Sources: sources, ActorID: c.User.ID})
	if errors.Is(err, store.ErrConflict) {
		return t, false, errcode.SourceTaken.With("%v", err)
	}
	if err != nil {
		return t, false, err
	}
	if !created {
		// Someone made it from these messages first: the caller gets it
		// only if they may see it.
		t, err = s.Store.GetTicket(ctx, ScopeFor(c.User), t.ID)
		return t, false, err
	}
	s.publish(ctx, bus.Event{Type: bus.TicketCreated, OrgUnitID: t.OrgUnitID, Ticket: &t})
	if t = s.dedupe(ctx, t); t.Status == model.TicketClosed {
		return t, true, nil // a duplicate: nobody works it, so it is not queued
	}
	return s.queue(ctx, t), true, nil
}

// admit checks a new ticket is complete, refers to what exists and may be
// created by the caller, and scores it.
func (s *Service) admit(ctx context.Context, c Caller, t *model.Ticket) error {
	if t.Title == "" {
		return errcode.MissingField.With("title (or a source message with text)")
	}
	if t.OrgUnitID == 0 {
		return errcode.MissingField.With("org_unit_id (or a source message)")
	}
	if err := s.checkRefs(ctx, *t); err != nil {
		return err
	}
	if ok, err := canCreate(ctx, s.Store, c.User, t.OrgUnitID, t.Type); err != nil || !ok {
		return orForbidden(err, "creating a %s ticket in org unit %d", t.Type, t.OrgUnitID)
	}
	return s.score(ctx, t)
}

func (s *Service) ticketType(ctx context.Context, name string) (model.TicketType, error) {
	if name == "" {
		return model.TicketType{}, errcode.MissingField.With("type")
	}
	types, err := s.Store.TicketTypes(ctx)
	if err != nil {
		return model.TicketType{}, err
	}
	i := slices.IndexFunc(types, func(t model.TicketType) bool { return t.Name == name })
	if i < 0 {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = t.Name
		}
		return model.TicketType{}, errcode.UnknownType.With("%q; known: %s", name, strings.Join(names, ", "))
	}
	return types[i], nil
}

// sources reads the source messages the caller may see, and fills in from
// the first one what the request left out: title, org unit, requester.
func (s *Service) sources(ctx context.Context, c Caller, in Create, t *model.Ticket) ([]model.TicketSource, []string, error) {
	var out []model.TicketSource
	var texts []string
	for _, id := range in.Sources {
		if slices.ContainsFunc(out, func(s model.TicketSource) bool { return s.MessageID == id }) {
			continue
		}
		m, err := s.Store.GetMessage(ctx, c.MessageScope, id, 0)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, errcode.NotFound.With("source message %d", id)
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, model.TicketSource{MessageID: m.ID, ChannelID: m.ChannelID, ConversationID: m.ConversationID})
		texts = append(texts, m.Text)
		if len(out) == 1 {
			if err := s.fromMessage(ctx, m, t); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(out) == 0 && in.RequesterID != 0 {
		p, _, err := s.Store.GetPerson(ctx, in.RequesterID)
		if err != nil {
			return nil, nil, orField(err, "requester_person_id %d", in.RequesterID)
		}
		t.Requester = model.Requester{PersonID: p.ID, Name: p.Name}
	}
	return out, texts, nil
}

func (s *Service) fromMessage(ctx context.Context, m model.Message, t *model.Ticket) error {
	if t.Title == "" {
		t.Title = firstLine(m.Text)
	}
	if t.Description == "" {
		t.Description = m.Text
	}
	if t.OrgUnitID == 0 {
		t.OrgUnitID = m.OrgUnitID
	}
	if m.SenderID == 0 {
		return nil
	}
	_, ids, err := s.Store.GetPerson(ctx, m.SenderID)
	if err != nil {
		return err
	}
	t.Requester = model.Requester{PersonID: m.SenderID, Name: m.SenderName, ChannelID: m.ChannelID, ConversationID: m.ConversationID}
	if i := slices.IndexFunc(ids, func(id model.Identity) bool { return id.ChannelID == m.ChannelID }); i >= 0 {
		t.Requester.ExternalID = ids[i].ExternalID
	}
	return nil
}

func firstLine(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > titleRunes {
		line = string([]rune(line)[:titleRunes]) + "…"
	}
	return line
}

// checkRefs refuses references to units and users that do not exist.
func (s *Service) checkRefs(ctx context.Context, t model.Ticket) error {
	for _, u := range []struct {
		name string
		id   int64
	}{{"org_unit_id", t.OrgUnitID}, {"team_id", t.TeamID}} {
		if u.id != 0 {
			if _, err := s.Store.GetOrgUnit(ctx, u.id); err != nil {
				return orField(err, "%s %d", u.name, u.id)
			}
		}
	}
	users := append([]int64{t.AssigneeID}, t.Watchers...)
	for i, id := range users {
		if id == 0 && i == 0 {
			continue
		}
		if _, err := s.Store.GetUser(ctx, id); err != nil {
			return orField(err, "user %d (assignee or watcher)", id)
		}
	}
	return nil
}

// score computes t's score and priority with the admin's weights.
func (s *Service) score(ctx context.Context, t *model.Ticket) error {
	w, err := s.Weights(ctx)
	if err != nil {
		return err
	}
	t.Explanation = Score(t.Factors, w)
	t.Score, t.Priority = t.Explanation.Score, t.Explanation.Priority
	return nil
}

// Weights returns the admin's priority weights, or the defaults.
func (s *Service) Weights(ctx context.Context) (model.PriorityWeights, error) {
	w, ok, err := s.Store.PriorityWeights(ctx)
	if err != nil || !ok {
		return DefaultWeights, err
	}
	return w, nil
}

// SetWeights stores new weights; tickets keep the score they were given
// (their explanation shows the weights used) until their factors change.
func (s *Service) SetWeights(ctx context.Context, w model.PriorityWeights) error {
	if err := CheckWeights(w); err != nil {
		return err
	}
	return s.Store.SetPriorityWeights(ctx, w)
}

func (s *Service) publish(ctx context.Context, ev bus.Event) {
	if s.Bus == nil {
		return
	}
	if ev.Ticket != nil {
		// Subscribers (the live stream) read the ticket on their own
		// goroutines while callers go on reassigning theirs: give them a copy.
		cp := *ev.Ticket
		ev.Ticket = &cp
	}
	if err := s.Bus.Publish(context.WithoutCancel(ctx), ev); err != nil && s.Log != nil {
		s.Log.Warn("ticket event not published", "type", ev.Type, "err", err)
	}
}

// orField turns a missing reference into a field error.
func orField(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return errcode.BadTicketField.With(format+": no such record", args...)
	}
	return err
}

// orForbidden is err, or Forbidden when there is none.
func orForbidden(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return errcode.Forbidden.With(format, args...)
}
