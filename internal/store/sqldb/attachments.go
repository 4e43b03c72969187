package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// mediaPending repeats the predicate of the partial index
// messages_media_pending, so both databases read only that index.
const mediaPending = `media_state = 0 AND direction = 'in' AND kind IN ('image', 'file', 'voice', 'video')`

// discoverBatch bounds how many new media messages one claim queues.
const discoverBatch = 200

// ClaimAttachments queues new media messages, then leases due fetches.
func (db *DB) ClaimAttachments(ctx context.Context, owner string, now, until time.Time, limit int) ([]store.AttachmentJob, error) {
	var out []store.AttachmentJob
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.queueMedia(ctx, tx, now); err != nil {
			return fmt.Errorf("queue media: %w", err)
		}
		rows, err := tx.QueryContext(ctx, db.q(`UPDATE attachment_fetches SET owner = ?, lease_until = ?
			WHERE message_id IN (SELECT message_id FROM attachment_fetches WHERE state = 'queued' AND next_at <= ? AND lease_until < ?
				ORDER BY next_at, message_id LIMIT ?`+db.d.SkipLocked()+`)
			RETURNING message_id, channel_id, attempts`), owner, ts(until), ts(now), ts(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j store.AttachmentJob
			if err := rows.Scan(&j.MessageID, &j.ChannelID, &j.Attempts); err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim attachments: %w", err)
	}
	return out, nil
}

// queueMedia moves media messages not yet seen into attachment_fetches.
// Two nodes doing it at once queue each message once (the primary key).
func (db *DB) queueMedia(ctx context.Context, tx *sql.Tx, now time.Time) error {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT id, channel_id FROM messages WHERE `+mediaPending+` ORDER BY id LIMIT ?`), discoverBatch)
	if err != nil {
		return err
	}
	var args, ids []any
	for rows.Next() {
		var id, ch int64
		if err := rows.Scan(&id, &ch); err != nil {
			rows.Close()
			return err
		}
		args, ids = append(args, id, ch, ts(now), ts(now)), append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.d.Rebind(`INSERT INTO attachment_fetches (message_id, channel_id, next_at, updated_at) VALUES `+
		ValuesSQL(len(ids), "(?, ?, ?, ?)")+` ON CONFLICT (message_id) DO NOTHING`), args...); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.d.Rebind(`UPDATE messages SET media_state = 1 WHERE id IN (`+placeholders(len(ids))+`)`), ids...)
	return err
}

// SaveAttachments rewrites the sealed attachment list of a message and
// ends or reschedules its fetch.
func (db *DB) SaveAttachments(ctx context.Context, id int64, atts []model.Attachment, done bool, next time.Time, errText string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var sealed []byte
		if err := tx.QueryRowContext(ctx, db.q(`SELECT body FROM messages WHERE id = ?`), id).Scan(&sealed); err != nil {
			return notFound(err, "message", id)
		}
		raw, err := db.open(sealed)
		if err != nil {
			return err
		}
		var b body
		if err := json.Unmarshal(raw, &b); err != nil {
			return err
		}
		if len(b.Attachments) != len(atts) {
			return fmt.Errorf("message %d has %d attachments, not %d: %w", id, len(b.Attachments), len(atts), store.ErrConflict)
		}
		b.Attachments = atts
		if raw, err = json.Marshal(b); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE messages SET body = ? WHERE id = ?`), db.seal(raw), id); err != nil {
			return err
		}
		if done {
			_, err = tx.ExecContext(ctx, db.q(`UPDATE attachment_fetches SET state = 'done', owner = '', lease_until = 0, last_error = '',
				updated_at = ? WHERE message_id = ?`), ts(time.Now()), id)
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE attachment_fetches SET attempts = attempts + 1, next_at = ?, last_error = ?,
			owner = '', lease_until = 0, updated_at = ? WHERE message_id = ?`), ts(next), errText, ts(time.Now()), id)
		return err
	})
}

// GiveUpAttachments ends a fetch that keeps failing.
func (db *DB) GiveUpAttachments(ctx context.Context, id int64, errText string) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE attachment_fetches SET state = 'dead', attempts = attempts + 1, last_error = ?,
		owner = '', lease_until = 0, updated_at = ? WHERE message_id = ?`), errText, ts(time.Now()), id)
	return err
}
