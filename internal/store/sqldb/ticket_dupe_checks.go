package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
)

func uncheckedTicketsSQL(limit int) string {
	return fmt.Sprintf(`SELECT t.id FROM tickets t WHERE t.created_at >= ? AND t.created_at <= ?
		AND t.status IN (%s) AND NOT EXISTS (SELECT 1 FROM ticket_dupe_checks c WHERE c.ticket_id = t.id)
		ORDER BY t.created_at, t.id LIMIT %d`, placeholders(len(workedStatuses)), max(limit, 1))
}

// UncheckedTickets lists open tickets in the window with no check recorded.
func (db *DB) UncheckedTickets(ctx context.Context, since, before time.Time, limit int) ([]int64, error) {
	args := append([]any{ts(since), ts(before)}, workedStatuses...)
	rows, err := db.read.QueryContext(ctx, db.q(uncheckedTicketsSQL(limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("unchecked tickets: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// markChecked claims the ticket's one check record in tx; false when
// another check recorded it first (the primary key decides, on any node).
func (db *DB) markChecked(ctx context.Context, tx *sql.Tx, ticketID int64, outcome string) (bool, error) {
	res, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_dupe_checks (ticket_id, outcome, checked_at) VALUES (?, ?, ?)
		ON CONFLICT (ticket_id) DO NOTHING`), ticketID, outcome, ts(time.Now()))
	if err != nil {
		return false, fmt.Errorf("record duplicate check of ticket %d: %w", ticketID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishDupeCheck records the check and its suggestions together.
func (db *DB) FinishDupeCheck(ctx context.Context, ticketID int64, outcome string, s []model.DuplicateSuggestion) (bool, error) {
	done := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ok, err := db.markChecked(ctx, tx, ticketID, outcome)
		if err != nil || !ok {
			return err
		}
		done = true
		return db.insertSuggestions(ctx, tx, ticketID, s)
	})
	if err != nil {
		return false, err
	}
	return done, nil
}

// DupeCheck returns the outcome recorded for a ticket.
func (db *DB) DupeCheck(ctx context.Context, ticketID int64) (string, bool, error) {
	var outcome string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT outcome FROM ticket_dupe_checks WHERE ticket_id = ?`), ticketID).Scan(&outcome)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	return outcome, err == nil, err
}

// AgentOpenTickets counts the user's tickets in the statuses of their load.
func (db *DB) AgentOpenTickets(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM tickets WHERE assignee_id = ? AND status IN (?, ?, ?)`),
		append([]any{userID}, openStatuses...)...).Scan(&n)
	return n, err
}
