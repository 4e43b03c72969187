package store

import (
	"context"

	"switchboard/internal/model"
)

// AssignRun is one pass over a team's queue.
type AssignRun struct {
	TeamID          int64
	Mode            string // model.AssignRoundRobin or model.AssignLeastLoaded
	DefaultCapacity int    // for agents whose own capacity is 0
}

// TicketRouting stores routing rules, agents' availability and capacity,
// and the queue of tickets waiting for an agent.
type TicketRouting interface {
	// TicketRouting returns the admin's configuration; ok is false when none was set.
	TicketRouting(ctx context.Context) (r model.TicketRouting, ok bool, err error)
	SetTicketRouting(ctx context.Context, r model.TicketRouting) error
	// TicketAgent returns a user's assignment state (unavailable, capacity 0 when never set).
	TicketAgent(ctx context.Context, userID int64) (model.TicketAgent, error)
	SetAgentAvailable(ctx context.Context, userID int64, available bool) error
	SetAgentCapacity(ctx context.Context, userID int64, capacity int) error
	// AgentTeams lists the units where the user holds the agent role.
	AgentTeams(ctx context.Context, userID int64) ([]int64, error)
	// EnqueueTicket puts an unassigned ticket in its team's queue (again: no-op).
	EnqueueTicket(ctx context.Context, ticketID, teamID int64, priority string) error
	// AssignQueued hands the team's queued tickets, P1 first then oldest, to
	// its available agents below capacity, in one transaction holding the
	// agents' row locks, so concurrent runs on any node never assign a
	// ticket twice or push an agent over capacity. It returns the tickets
	// it assigned, as committed, each with an assignee_id history entry.
	AssignQueued(ctx context.Context, run AssignRun) ([]model.Ticket, error)
	// QueueWork lists the teams whose queues hold tickets, and the open
	// team tickets without an assignee missing from any queue (a crash
	// between a ticket's commit and its queueing), as ID, TeamID and
	// Priority only: what a periodic sweep needs to leave no ticket waiting
	// for an event that never comes.
	QueueWork(ctx context.Context) (teams []int64, strays []model.Ticket, err error)
}
