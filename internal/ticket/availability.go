package ticket

import (
	"context"

	"switchboard/internal/model"
)

// AgentState is what an agent sees of their own assignment: whether they
// take tickets, and how full they are against their capacity.
type AgentState struct {
	Agent     bool  `json:"agent"` // holds the agent role somewhere; false: nothing else applies
	UserID    int64 `json:"user_id"`
	Available bool  `json:"available"`
	Open      int   `json:"open"`     // tickets held that count toward capacity
	Capacity  int   `json:"capacity"` // their own, or the routing's default
}

// Availability returns the caller's assignment state.
func (s *Service) Availability(ctx context.Context, c Caller) (AgentState, error) {
	st := AgentState{UserID: c.User.ID}
	teams, err := s.Store.AgentTeams(ctx, c.User.ID)
	if err != nil || len(teams) == 0 {
		return st, err
	}
	ag, err := s.Store.TicketAgent(ctx, c.User.ID)
	if err != nil {
		return st, err
	}
	r, err := s.Routing(ctx)
	if err != nil {
		return st, err
	}
	st.Agent, st.Available, st.Capacity = true, ag.Available, capacityOf(ag, r)
	st.Open, err = s.Store.AgentOpenTickets(ctx, c.User.ID)
	return st, err
}

// capacityOf is an agent's own capacity, or the routing's default.
func capacityOf(ag model.TicketAgent, r model.TicketRouting) int {
	if ag.Capacity > 0 {
		return ag.Capacity
	}
	return r.DefaultCapacity
}
