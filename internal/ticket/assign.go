package ticket

import (
	"context"
	"slices"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// DefaultCapacity is how many open tickets an agent holds when neither
// they nor the routing set a number.
const DefaultCapacity = 5

// Routing returns the admin's routing, or the empty default.
func (s *Service) Routing(ctx context.Context) (model.TicketRouting, error) {
	r, ok, err := s.Store.TicketRouting(ctx)
	if err != nil || !ok {
		return model.TicketRouting{Rules: []model.RouteRule{}, Teams: []model.TeamAssign{}, DefaultCapacity: DefaultCapacity}, err
	}
	if r.DefaultCapacity <= 0 {
		r.DefaultCapacity = DefaultCapacity
	}
	return r, nil
}

// SetRouting validates and stores the routing, then serves the queues of
// the teams it names (a raised default capacity frees room).
func (s *Service) SetRouting(ctx context.Context, r model.TicketRouting) (model.TicketRouting, error) {
	if err := s.checkRouting(ctx, &r); err != nil {
		return r, err
	}
	if err := s.Store.SetTicketRouting(ctx, r); err != nil {
		return r, err
	}
	var teams []int64
	for _, t := range r.Teams {
		teams = append(teams, t.TeamID)
	}
	s.drain(ctx, teams...)
	return r, nil
}

func (s *Service) checkRouting(ctx context.Context, r *model.TicketRouting) error {
	if r.DefaultCapacity < 0 || r.DefaultCapacity > 1000 {
		return errcode.BadTicketField.With("default_capacity %d: want 1–1000 (0 for the default %d)", r.DefaultCapacity, DefaultCapacity)
	}
	if r.DefaultCapacity == 0 {
		r.DefaultCapacity = DefaultCapacity
	}
	r.Rules, r.Teams = nonNil(r.Rules), nonNil(r.Teams)
	for i, rule := range r.Rules {
		if rule.Type != "" {
			if _, err := s.ticketType(ctx, rule.Type); err != nil {
				return err
			}
		}
		if rule.Priority != "" && !KnownPriority(rule.Priority) {
			return errcode.BadTicketField.With("rules[%d].priority %q: want P1, P2, P3, P4 or empty", i, rule.Priority)
		}
		if err := s.checkTeam(ctx, rule.TeamID, "rules[%d].team_id", i); err != nil {
			return err
		}
	}
	for i, t := range r.Teams {
		if t.Mode != model.AssignRoundRobin && t.Mode != model.AssignLeastLoaded {
			return errcode.BadTicketField.With("teams[%d].mode %q: want %s or %s", i, t.Mode, model.AssignRoundRobin, model.AssignLeastLoaded)
		}
		if err := s.checkTeam(ctx, t.TeamID, "teams[%d].team_id", i); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) checkTeam(ctx context.Context, id int64, field string, i int) error {
	if id == 0 {
		return errcode.MissingField.With(field, i)
	}
	if _, err := s.Store.GetOrgUnit(ctx, id); err != nil {
		return orField(err, field+" %d", i, id)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// route gives a new ticket without a team the team of the first matching rule.
func (s *Service) route(ctx context.Context, t *model.Ticket) error {
	if t.TeamID != 0 {
		return nil
	}
	r, err := s.Routing(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(r.Rules, func(rule model.RouteRule) bool {
		return (rule.Type == "" || rule.Type == t.Type) && (rule.Priority == "" || rule.Priority == t.Priority) &&
			(rule.Category == "" || rule.Category == t.Category)
	})
	if i >= 0 {
		t.TeamID = r.Rules[i].TeamID
	}
	return nil
}

// queue puts a new team ticket without an assignee in its team's queue and
// serves the queue; t is returned assigned when an agent had room.
func (s *Service) queue(ctx context.Context, t model.Ticket) model.Ticket {
	if t.TeamID == 0 || t.AssigneeID != 0 {
		return t
	}
	if err := s.Store.EnqueueTicket(ctx, t.ID, t.TeamID, t.Priority); err != nil {
		s.warn("ticket not queued", t.ID, err)
		return t
	}
	for _, a := range s.drain(ctx, t.TeamID) {
		if a.ID == t.ID {
			return a
		}
	}
	return t
}

// reassigned follows an edit: a ticket taken from an agent frees their
// place, and a team ticket left without an assignee (or moved to another
// team, or rescored while waiting) is queued.
func (s *Service) reassigned(ctx context.Context, before, t model.Ticket) model.Ticket {
	if !open(t.Status) {
		return t
	}
	if before.TeamID != t.TeamID || before.AssigneeID != t.AssigneeID || before.Priority != t.Priority {
		t = s.queue(ctx, t)
	}
	if before.AssigneeID != 0 && before.AssigneeID != t.AssigneeID {
		s.released(ctx, model.Ticket{ID: t.ID, AssigneeID: before.AssigneeID, Status: model.TicketClosed}, before.Status)
	}
	return t
}

// released serves the queues a closed ticket's assignee works for.
func (s *Service) released(ctx context.Context, t model.Ticket, from model.TicketStatus) {
	if t.AssigneeID == 0 || !open(from) || open(t.Status) {
		return
	}
	teams, err := s.Store.AgentTeams(ctx, t.AssigneeID)
	if err != nil {
		s.warn("agent teams not read", t.ID, err)
	}
	s.drain(ctx, teams...)
}

func open(st model.TicketStatus) bool {
	return st == model.TicketAccepted || st == model.TicketInProgress || st == model.TicketWaiting
}

// drain runs assignment for each team and publishes the assignments. A
// failed run leaves the tickets queued; the next release retries them.
func (s *Service) drain(ctx context.Context, teams ...int64) []model.Ticket {
	r, err := s.Routing(ctx)
	if err != nil {
		s.warn("routing not read", 0, err)
		return nil
	}
	var out []model.Ticket
	for _, team := range slices.Compact(slices.Sorted(slices.Values(teams))) {
		run := store.AssignRun{TeamID: team, Mode: model.AssignLeastLoaded, DefaultCapacity: r.DefaultCapacity}
		if i := slices.IndexFunc(r.Teams, func(t model.TeamAssign) bool { return t.TeamID == team }); i >= 0 {
			run.Mode = r.Teams[i].Mode
		}
		got, err := s.Store.AssignQueued(ctx, run)
		if err != nil {
			s.warn("queue not served", team, err)
		}
		for i := range got {
			s.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: got[i].OrgUnitID, Ticket: &got[i]})
		}
		out = append(out, got...)
	}
	return out
}

// SetAvailable sets the caller's availability; becoming available serves
// their teams' queues.
func (s *Service) SetAvailable(ctx context.Context, c Caller, available bool) (model.TicketAgent, error) {
	teams, err := s.Store.AgentTeams(ctx, c.User.ID)
	if err != nil {
		return model.TicketAgent{}, err
	}
	if len(teams) == 0 {
		return model.TicketAgent{}, errcode.Forbidden.With("availability is for agents; user %d holds no agent role", c.User.ID)
	}
	if err := s.Store.SetAgentAvailable(ctx, c.User.ID, available); err != nil {
		return model.TicketAgent{}, err
	}
	if available {
		s.drain(ctx, teams...)
	}
	return s.Store.TicketAgent(ctx, c.User.ID)
}

// SetCapacity sets an agent's own capacity (0: the routing's default) and
// serves their teams' queues.
func (s *Service) SetCapacity(ctx context.Context, userID int64, capacity int) (model.TicketAgent, error) {
	if capacity < 0 || capacity > 1000 {
		return model.TicketAgent{}, errcode.BadTicketField.With("capacity %d: want 0–1000", capacity)
	}
	if _, err := s.Store.GetUser(ctx, userID); err != nil {
		return model.TicketAgent{}, orField(err, "user %d", userID)
	}
	if err := s.Store.SetAgentCapacity(ctx, userID, capacity); err != nil {
		return model.TicketAgent{}, err
	}
	teams, err := s.Store.AgentTeams(ctx, userID)
	if err != nil {
		return model.TicketAgent{}, err
	}
	s.drain(ctx, teams...)
	return s.Store.TicketAgent(ctx, userID)
}

func (s *Service) warn(msg string, id int64, err error) {
	if s.Log != nil {
		s.Log.Warn(msg, "id", id, "err", err)
	}
}

// Sweep serves every queue that holds tickets and queues the team tickets a
// crash left out of theirs, so no ticket waits for an event that was lost
// (a node stopped between a commit and its drain, a failed run). It is run
// periodically; any number of nodes may sweep at once, AssignQueued locks.
func (s *Service) Sweep(ctx context.Context) {
	teams, strays, err := s.Store.QueueWork(ctx)
	if err != nil {
		s.warn("queues not swept", 0, err)
		return
	}
	for _, t := range strays {
		if err := s.Store.EnqueueTicket(ctx, t.ID, t.TeamID, t.Priority); err != nil {
			s.warn("ticket not queued", t.ID, err)
			continue
		}
		teams = append(teams, t.TeamID)
	}
	s.drain(ctx, teams...)
}
