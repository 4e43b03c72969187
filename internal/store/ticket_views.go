package store

import (
	"context"

	"switchboard/internal/model"
)

// TicketViews stores the ticket-list filters users saved under a name.
type TicketViews interface {
	// CreateTicketView stores a view; a user's second view of the same
	// name is ErrConflict.
	CreateTicketView(ctx context.Context, v model.TicketView) (model.TicketView, error)
	// TicketViews lists the user's own views and those shared with one of
	// units, by name.
	TicketViews(ctx context.Context, userID int64, units []int64) ([]model.TicketView, error)
	// DeleteTicketView removes a view the user owns; ErrNotFound otherwise.
	DeleteTicketView(ctx context.Context, id, userID int64) error
}
