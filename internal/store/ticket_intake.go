package store

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// TicketIntake is how messages reach tickets after the one they were made
// from: later messages join an open ticket as sources, and a durable cursor
// over the message stream lets the conversation pass resume after a crash.
type TicketIntake interface {
	// AppendTicketSource adds src to ticket t and, in the same transaction,
	// writes t whole (if its Version is still the stored one) with changes
	// appended to the history. A message that already is the source of a
	// ticket (this one or another) writes nothing: added is false and t is
	// returned unchanged. A changed ticket is ErrStale.
	AppendTicketSource(ctx context.Context, t model.Ticket, src model.TicketSource, changes []model.TicketChange) (saved model.Ticket, added bool, err error)
	// TicketChatMessages lists the inbound messages with ids above after
	// that arrived in a conversation with a ticket not closed or cancelled,
	// or with one resolved, closed since rateSince and not yet rated (its
	// requester may still answer the rating question), oldest first: the
	// only messages the conversation pass has work for. Messages whose
	// rules ask for a task or a ticket are left out: their intent makes
	// (or joins) the ticket.
	TicketChatMessages(ctx context.Context, after int64, rateSince time.Time, limit int) ([]model.Message, error)
	// LastMessageID is the highest message id stored (0 for none).
	LastMessageID(ctx context.Context) (int64, error)
	// TicketChatCursor is the message id up to which the conversation pass
	// has handled every message.
	TicketChatCursor(ctx context.Context) (int64, error)
	// AdvanceTicketChatCursor moves the cursor to id; never backwards.
	AdvanceTicketChatCursor(ctx context.Context, id int64) error
	// TicketExtractors returns the admin's extractors; ok is false when none were set.
	TicketExtractors(ctx context.Context) (ex []model.TicketExtractor, ok bool, err error)
	SetTicketExtractors(ctx context.Context, ex []model.TicketExtractor) error
}
