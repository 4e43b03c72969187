package store

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/model"
)

// ErrDupeChecked: the ticket's duplicate check was recorded already (by
// the creating request, another node's sweep), so this one writes nothing.
var ErrDupeChecked = errors.New("the ticket's duplicates were checked already")

// Outcomes of a ticket's duplicate check.
const (
	DupeLinked    = "linked"    // made a duplicate of an older ticket
	DupeSuggested = "suggested" // suggestions stored for an agent
	DupeNone      = "none"      // nothing similar enough
	DupeSkipped   = "skipped"   // detection off, or the type is not checked
)

// TicketDupeChecks records which tickets duplicate detection has looked
// at, so a check lost to a crash is done by a sweep, and done once: the
// record is written in the transaction of the check's result (the link, the
// suggestions), and only once per ticket.
type TicketDupeChecks interface {
	// UncheckedTickets lists open tickets (not resolved, closed or
	// cancelled) created in [since, before] with no check recorded, oldest
	// first.
	UncheckedTickets(ctx context.Context, since, before time.Time, limit int) ([]int64, error)
	// FinishDupeCheck records the ticket checked with outcome and stores
	// its suggestions in one transaction. It writes nothing and answers
	// false when a check was recorded already.
	FinishDupeCheck(ctx context.Context, ticketID int64, outcome string, s []model.DuplicateSuggestion) (bool, error)
	// DupeCheck returns the outcome recorded for a ticket; ok false when none.
	DupeCheck(ctx context.Context, ticketID int64) (outcome string, ok bool, err error)
}

// TicketAgentLoad tells an agent how full they are.
type TicketAgentLoad interface {
	// AgentOpenTickets counts the tickets assigned to the user that count
	// toward their capacity (已受理, 处理中, 待反馈), as assignment counts them.
	AgentOpenTickets(ctx context.Context, userID int64) (int, error)
}
