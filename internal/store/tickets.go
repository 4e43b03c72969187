package store

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// TicketScope limits which tickets a caller may read, inside the query.
// All sees everything. Otherwise a ticket is visible when its org unit or
// its team lies in the subtree of one of Units (staff: agents, department
// heads), or when
// UserID created it, is assigned to it or watches it (a member's own items).
type TicketScope struct {
	All    bool
	Units  []int64
	UserID int64
}

// TicketFilter narrows a ticket list. Zero fields do not filter.
type TicketFilter struct {
	Status      []model.TicketStatus
	Type        string
	Priority    string
	AssigneeID  int64
	OrgUnitID   int64  // the unit and its subtree
	RequesterID int64  // person id
	Number      int64  // a human number, when the search box held one
	Query       string // substring of the title or description
	Before      int64  // cursor: only ids below this
	SLA         string // "breached" or "at_risk" (SLA clocks), "" any
	Limit       int
	TeamID      int64 // the ticket's team (exactly)
	Unassigned  bool  // only tickets nobody holds
}

// NewTicket is a ticket to create with its source messages. Sources are
// message ids; a message already the source of a ticket makes creation
// return that ticket instead (idempotent by source message).
type NewTicket struct {
	Ticket  model.Ticket
	Sources []model.TicketSource
	ActorID int64
}

// Tickets stores work items, their sources, comments and history.
type Tickets interface {
	// CreateTicket stores a ticket under the next human number, with its
	// sources and a "created" history entry, in one transaction. When a
	// source message already belongs to a ticket, nothing is written and
	// that ticket is returned with created false; sources belonging to two
	// different tickets are ErrConflict.
	CreateTicket(ctx context.Context, nt NewTicket) (t model.Ticket, created bool, err error)
	// GetTicket returns a ticket in scope; ErrNotFound otherwise.
	GetTicket(ctx context.Context, scope TicketScope, id int64) (model.Ticket, error)
	// ListTickets returns tickets in scope, newest first.
	ListTickets(ctx context.Context, scope TicketScope, f TicketFilter) ([]model.Ticket, error)
	// UpdateTicket writes t whole if its Version is still the stored one,
	// bumps the version and appends changes to the history, in one
	// transaction. A changed row is ErrStale, a missing one ErrNotFound.
	UpdateTicket(ctx context.Context, t model.Ticket, changes []model.TicketChange) (model.Ticket, error)
	AddTicketComment(ctx context.Context, c model.TicketComment) (model.TicketComment, error)
	TicketSources(ctx context.Context, ticketID int64) ([]model.TicketSource, error)
	// TicketComments lists comments oldest first; publicOnly drops internal ones.
	TicketComments(ctx context.Context, ticketID int64, publicOnly bool) ([]model.TicketComment, error)
	// TicketHistory lists changes oldest first.
	TicketHistory(ctx context.Context, ticketID int64) ([]model.TicketChange, error)
	TicketTypes(ctx context.Context) ([]model.TicketType, error)
	// PriorityWeights returns the admin's weights; ok is false when none were set.
	PriorityWeights(ctx context.Context) (w model.PriorityWeights, ok bool, err error)
	SetPriorityWeights(ctx context.Context, w model.PriorityWeights) error
	// ResolvedTicketsBefore lists, oldest resolution first, the tickets
	// still resolved that were resolved before the given time: the ones
	// the auto-close pass closes.
	ResolvedTicketsBefore(ctx context.Context, before time.Time, limit int) ([]model.Ticket, error)
}
