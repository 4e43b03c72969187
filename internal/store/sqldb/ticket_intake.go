package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// AppendTicketSource adds a source message and writes the ticket in one
// transaction; a message that is already a source writes nothing.
func (db *DB) AppendTicketSource(ctx context.Context, t model.Ticket, src model.TicketSource, changes []model.TicketChange) (model.Ticket, bool, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	added := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_sources (message_id, ticket_id, channel_id, conversation_id, added_by, added_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`),
			src.MessageID, t.ID, src.ChannelID, src.ConversationID, nullID(src.AddedBy), ts(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already a source: appending again is a no-op
		}
		added = true
		return db.writeTicket(ctx, tx, &t, changes, now)
	})
	if err != nil {
		return t, false, fmt.Errorf("ticket %d: add source message %d: %w", t.ID, src.MessageID, err)
	}
	if added {
		t.Version++
	}
	return t, added, nil
}

// TicketChatMessages lists inbound messages after a cursor in the
// conversations of live tickets, leaving out those a rule makes a task or
// a ticket of (the rule's own intent decides what becomes of them). The conversation list is small (tickets
// not yet closed), so the messages are found through their
// (conversation_id, id) index rather than by reading every new message,
// and the live tickets through a partial index (tickets_live_conv), whose
// condition the query repeats literally so both databases can use it.
// The conversations of duplicates merged into a live ticket count too, so
// their requesters may ask "进度" of the ticket that carries their request
// (found from the live survivors through ticket_duplicates_survivor).
// Tickets closed after a resolution since rateSince come through
// tickets_closed_resolved (migration 019) the same way: their requesters
// may still rate them or say they are not solved.
func (db *DB) TicketChatMessages(ctx context.Context, after int64, rateSince time.Time, limit int) ([]model.Message, error) {
	return db.queryMessages(ctx, db.d.Rebind(chatMessagesSQL), 0, 0, after, string(model.Inbound), ts(rateSince), limit)
}

var chatMessagesSQL = `SELECT ` + messageCols + ` FROM messages m
	WHERE m.id > ? AND m.direction = ? AND m.conversation_id IN (SELECT t.requester_conversation_id FROM tickets t
		WHERE t.requester_conversation_id IS NOT NULL AND t.status NOT IN ('closed', 'cancelled')
		UNION SELECT d.requester_conversation_id FROM tickets s JOIN ticket_duplicates x ON x.survivor_id = s.id
		JOIN tickets d ON d.id = x.ticket_id WHERE s.status IN ('accepted', 'confirmed', 'in_progress', 'waiting', 'resolved')
		AND d.requester_conversation_id IS NOT NULL
		UNION SELECT t.requester_conversation_id FROM tickets t WHERE t.status = 'closed' AND t.resolved_at > 0
		AND t.closed_at > ? AND t.requester_conversation_id IS NOT NULL)
	AND NOT EXISTS (SELECT 1 FROM notify_intents i WHERE i.message_id = m.id
		AND (i.request LIKE '%"task":{%' OR i.request LIKE '%"ticket":{%'))
	ORDER BY m.id LIMIT ?`

// LastMessageID is the highest message id.
func (db *DB) LastMessageID(ctx context.Context) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages`).Scan(&id)
	return id, err
}

// TicketChatCursor reads the conversation pass's cursor (0 when unset).
func (db *DB) TicketChatCursor(ctx context.Context) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT message_id FROM ticket_chat_cursor WHERE id = 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// AdvanceTicketChatCursor moves the cursor forward only, so two nodes
// advancing at once leave the further one.
func (db *DB) AdvanceTicketChatCursor(ctx context.Context, id int64) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_chat_cursor (id, message_id) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET message_id = excluded.message_id
		WHERE ticket_chat_cursor.message_id < excluded.message_id`), id)
	if err != nil {
		return fmt.Errorf("ticket chat cursor: %w", err)
	}
	return nil
}

const extractorsSetting = "ticket_extractors"

// TicketExtractors returns the stored extractors.
func (db *DB) TicketExtractors(ctx context.Context) ([]model.TicketExtractor, bool, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM ticket_settings WHERE name = ?`), extractorsSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ex := []model.TicketExtractor{}
	return ex, true, json.Unmarshal([]byte(v), &ex)
}

// SetTicketExtractors stores the extractors whole.
func (db *DB) SetTicketExtractors(ctx context.Context, ex []model.TicketExtractor) error {
	if ex == nil {
		ex = []model.TicketExtractor{}
	}
	b, err := json.Marshal(ex)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), extractorsSetting, string(b), ts(time.Now()))
	return err
}

var _ store.TicketIntake = (*DB)(nil)
