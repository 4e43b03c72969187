package sqldb

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// resolvedBeforeSQL reads tickets_resolved (status, resolved_at; migration
// 018) from the first resolution up to the cutoff, so an idle auto-close
// pass reads nothing.
const resolvedBeforeSQL = `SELECT ` + ticketCols + ` FROM tickets t
	WHERE t.status = 'resolved' AND t.resolved_at < ? ORDER BY t.resolved_at LIMIT ?`

// ResolvedTicketsBefore lists resolved tickets resolved before before.
func (db *DB) ResolvedTicketsBefore(ctx context.Context, before time.Time, limit int) ([]model.Ticket, error) {
	return db.queryTickets(ctx, db.read, resolvedBeforeSQL, []any{ts(before), limit})
}
