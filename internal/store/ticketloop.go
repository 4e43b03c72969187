package store

import (
	"context"

	"switchboard/internal/model"
)

// TicketTold is what the requester of a ticket was last told about it:
// the version and status of the last notice, and the delivery of the
// first one (the card later notices update in place, where they can).
type TicketTold struct {
	TicketID       int64
	Version        int64
	Status         model.TicketStatus
	CardDeliveryID int64
}

// TicketLoop keeps the requester of a ticket told about it. The ticket row
// is the durable intent: a ticket whose version is past the told one is
// owed a notice, so nothing is lost between a change and its message.
type TicketLoop interface {
	// TicketsToTell lists tickets that came from a conversation and
	// changed since their requester was last told, oldest first.
	TicketsToTell(ctx context.Context, limit int) ([]TicketTold, error)
	// MarkTicketTold records a notice; it never moves the told version back.
	MarkTicketTold(ctx context.Context, t TicketTold) error
	// ConversationTickets lists the tickets raised in a conversation, newest first.
	ConversationTickets(ctx context.Context, conversationID int64) ([]model.Ticket, error)
}
