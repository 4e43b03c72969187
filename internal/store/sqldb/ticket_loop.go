package sqldb

import (
	"context"
	"fmt"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// TicketsToTell lists tickets from a conversation whose version is past
// the one their requester was last told of. Told is zero for a ticket
// never told (just created).
func (db *DB) TicketsToTell(ctx context.Context, limit int) ([]store.TicketTold, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT t.id, COALESCE(l.told_version, 0), COALESCE(l.told_status, ''),
		COALESCE(l.card_delivery_id, 0) FROM tickets t LEFT JOIN ticket_loop l ON l.ticket_id = t.id
		WHERE (t.requester_conversation_id IS NOT NULL OR EXISTS (SELECT 1 FROM ticket_duplicates d WHERE d.survivor_id = t.id))
		AND (l.ticket_id IS NULL OR l.told_version < t.version)
		ORDER BY t.id LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("tickets to tell: %w", err)
	}
	defer rows.Close()
	var out []store.TicketTold
	for rows.Next() {
		var t store.TicketTold
		if err := rows.Scan(&t.TicketID, &t.Version, &t.Status, &t.CardDeliveryID); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MarkTicketTold upserts what the requester was told, forward only.
func (db *DB) MarkTicketTold(ctx context.Context, t store.TicketTold) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_loop (ticket_id, told_version, told_status, card_delivery_id)
		VALUES (?, ?, ?, ?) ON CONFLICT (ticket_id) DO UPDATE SET told_version = excluded.told_version,
		told_status = excluded.told_status, card_delivery_id = excluded.card_delivery_id
		WHERE ticket_loop.told_version < excluded.told_version`), t.TicketID, t.Version, string(t.Status), t.CardDeliveryID)
	if err != nil {
		return fmt.Errorf("ticket %d told: %w", t.TicketID, err)
	}
	return nil
}

// ConversationTickets lists the latest tickets raised in a conversation.
func (db *DB) ConversationTickets(ctx context.Context, conversationID int64) ([]model.Ticket, error) {
	return db.queryTickets(ctx, db.read, `SELECT `+ticketCols+` FROM tickets t WHERE t.requester_conversation_id = ?
		ORDER BY t.id DESC LIMIT 20`, []any{conversationID})
}
