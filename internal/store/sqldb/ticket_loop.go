package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// MarkTicketTold upserts what the requester was told, forward only, and
// mirrors it on the ticket (tickets.loop_version), taking the ticket out
// of tickets_loop_owed until its version moves again.
func (db *DB) MarkTicketTold(ctx context.Context, t store.TicketTold) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_loop (ticket_id, told_version, told_status, card_delivery_id)
		VALUES (?, ?, ?, ?) ON CONFLICT (ticket_id) DO UPDATE SET told_version = excluded.told_version,
		told_status = excluded.told_status, card_delivery_id = excluded.card_delivery_id
		WHERE ticket_loop.told_version < excluded.told_version`), t.TicketID, t.Version, string(t.Status), t.CardDeliveryID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE tickets SET loop_version = (SELECT told_version FROM ticket_loop WHERE ticket_id = ?)
			WHERE id = ?`), t.TicketID, t.TicketID)
		return err
	})
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
