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

const deliveryCols = `id, channel_id, COALESCE(message_id, 0), COALESCE(conversation_id, 0), destination, payload, idem_key,
	state, attempts, next_attempt_at, last_error, external_id, COALESCE(notification_id, 0), COALESCE(prev_id, 0), fallback,
	created_at, updated_at`

func (db *DB) scanDelivery(row interface{ Scan(...any) error }) (model.Delivery, error) {
	var d model.Delivery
	var sealed []byte
	var next, created, updated int64
	var fallback string
	if err := row.Scan(&d.ID, &d.ChannelID, &d.MessageID, &d.ConversationID, &d.Destination, &sealed, &d.IdemKey,
		&d.State, &d.Attempts, &next, &d.LastError, &d.ExternalID, &d.NotificationID, &d.PrevID, &fallback,
		&created, &updated); err != nil {
		return d, err
	}
	if fallback != "" {
		if err := json.Unmarshal([]byte(fallback), &d.Fallback); err != nil {
			return d, fmt.Errorf("delivery %d fallback: %w", d.ID, err)
		}
	}
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromTS(next), fromTS(created), fromTS(updated)
	p, err := db.open(sealed)
	if err != nil {
		return d, fmt.Errorf("delivery %d payload: %w", d.ID, err)
	}
	d.Payload = p
	return d, nil
}

// errIdemRace rolls back an Enqueue that lost a race for its IdemKey, so its
// outbound message goes too; the winner's delivery is returned instead.
var errIdemRace = errors.New("idempotency key taken concurrently")

// Enqueue stores an optional outbound message and its delivery atomically.
// A delivery whose IdemKey exists is returned as it is, nothing new stored.
func (db *DB) Enqueue(ctx context.Context, m *store.NewMessage, d model.Delivery) (model.Delivery, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM deliveries WHERE idem_key = ?`), d.IdemKey).Scan(&id)
		if err != sql.ErrNoRows {
			return err
		}
		if m != nil {
			if d.MessageID, d.ConversationID, err = db.outboundMessage(ctx, tx, *m); err != nil {
				return fmt.Errorf("outbound message: %w", err)
			}
		}
		id, err = db.insertDelivery(ctx, tx, d)
		return err
	})
	if errors.Is(err, errIdemRace) {
		err = db.read.QueryRowContext(ctx, db.q(`SELECT id FROM deliveries WHERE idem_key = ?`), d.IdemKey).Scan(&id)
	}
	if err != nil {
		return model.Delivery{}, fmt.Errorf("enqueue delivery: %w", err)
	}
	return db.GetDelivery(ctx, id)
}

// outboundMessage stores m through the same writer as inbound batches, so
// the reply is counted in its conversation and searchable.
func (db *DB) outboundMessage(ctx context.Context, tx *sql.Tx, m store.NewMessage) (msgID, convID int64, err error) {
	fresh, err := db.newMsgWriter(ctx, tx).store([]store.NewMessage{m})
	if err != nil {
		return 0, 0, err
	}
	if len(fresh) == 1 {
		return fresh[0].ID, fresh[0].ConversationID, nil
	}
	// Stored before under the same external id: link the delivery to it.
	err = tx.QueryRowContext(ctx, db.q(`SELECT id, conversation_id FROM messages WHERE channel_id = ? AND external_id = ?`),
		m.Envelope.ChannelID, m.Envelope.ExternalID).Scan(&msgID, &convID)
	return msgID, convID, err
}

func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d model.Delivery) (int64, error) {
	now := time.Now().UTC()
	msgID, convID := nullID(d.MessageID), nullID(d.ConversationID)
	next := d.NextAttemptAt
	if next.IsZero() {
		next = now
	}
	fallback, err := fallbackText(d.Fallback)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, db.q(`INSERT INTO deliveries (channel_id, message_id, conversation_id, destination, payload, idem_key,
		state, attempts, next_attempt_at, lease_until, owner, last_error, external_id, notification_id, prev_id, fallback,
		created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, '', '', '', ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING RETURNING id`),
		d.ChannelID, msgID, convID, d.Destination, db.seal(d.Payload), d.IdemKey, ts(next), nullID(d.NotificationID), nullID(d.PrevID),
		fallback, ts(now), ts(now)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, errIdemRace
	}
	return id, err
}

// ClaimDeliveries leases due deliveries (queued or failed, next attempt passed).
func (db *DB) ClaimDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Delivery, error) {
	return db.claim(ctx, db.write, owner, now, until, limit)
}

// RecordDeliveries writes the outcomes of a round of sends in one
// transaction: one flush for the round instead of one per delivery.
// Outcomes of deliveries that no longer exist are skipped.
func (db *DB) RecordDeliveries(ctx context.Context, outs []store.DeliveryOutcome) error {
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.recordOutcomes(ctx, tx, outs) })
	if err != nil {
		return fmt.Errorf("record %d delivery outcomes: %w", len(outs), err)
	}
	return nil
}

// recordOne writes one outcome in its own transaction; ErrNotFound when
// there is no such delivery.
func (db *DB) recordOne(ctx context.Context, o store.DeliveryOutcome) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		found, err := db.recordOutcome(ctx, tx, o)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delivery %d: %w", o.ID, err)
		}
		return nil
	})
}

func (db *DB) recordOutcome(ctx context.Context, tx *sql.Tx, o store.DeliveryOutcome) (bool, error) {
	now := ts(time.Now())
	var q string
	var args []any
	switch o.Kind {
	case store.OutcomeSent:
		q, args = `UPDATE deliveries SET state = 'sent', attempts = attempts + 1, external_id = ?, last_error = '', lease_until = 0,
			updated_at = ? WHERE id = ?`, []any{o.ExternalID, ts(o.At), o.ID}
	case store.OutcomeRetry:
		q, args = `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_until = 0,
			updated_at = ? WHERE id = ?`, []any{ts(o.Next), o.Err, now, o.ID}
	case store.OutcomePostpone:
		q, args = `UPDATE deliveries SET next_attempt_at = ?, last_error = ?, lease_until = 0, updated_at = ? WHERE id = ?`,
			[]any{ts(o.Next), o.Err, now, o.ID}
	case store.OutcomeDead:
		return db.markDead(ctx, tx, o.ID, o.Err)
	default:
		return false, fmt.Errorf("unknown outcome %q", o.Kind)
	}
	res, err := db.on(tx).ExecContext(ctx, db.q(q), args...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MarkSent records success and the platform's message id.
func (db *DB) MarkSent(ctx context.Context, id int64, externalID string, at time.Time) error {
	return db.recordOne(ctx, store.DeliveryOutcome{ID: id, Kind: store.OutcomeSent, ExternalID: externalID, At: at})
}

// MarkRetry records a failed attempt and when to try again.
func (db *DB) MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return db.recordOne(ctx, store.DeliveryOutcome{ID: id, Kind: store.OutcomeRetry, Next: next, Err: errText})
}

// Postpone moves a delivery's next attempt without counting one (its
// channel's breaker is open, or it is over the platform's rate limit).
func (db *DB) Postpone(ctx context.Context, id int64, next time.Time, errText string) error {
	return db.recordOne(ctx, store.DeliveryOutcome{ID: id, Kind: store.OutcomePostpone, Next: next, Err: errText})
}

// MarkDead gives up on a delivery.
func (db *DB) MarkDead(ctx context.Context, id int64, errText string) error {
	return db.recordOne(ctx, store.DeliveryOutcome{ID: id, Kind: store.OutcomeDead, Err: errText})
}

// markDead gives up on a delivery and, in the same transaction, enqueues
// its fallback's first hop, so a crash cannot leave a dead delivery whose
// next channel was never tried.
func (db *DB) markDead(ctx context.Context, tx *sql.Tx, id int64, errText string) (bool, error) {
	d, err := db.scanDelivery(tx.QueryRowContext(ctx, db.q(`UPDATE deliveries SET state = 'dead', attempts = attempts + 1,
		last_error = ?, lease_until = 0, updated_at = ? WHERE id = ? RETURNING `+deliveryCols), errText, ts(time.Now()), id))
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(d.Fallback) == 0 {
		return true, db.raiseDeadLetter(ctx, tx, d)
	}
	next := d
	next.ChannelID, next.Destination, next.Fallback = d.Fallback[0].ChannelID, d.Fallback[0].Destination, d.Fallback[1:]
	next.PrevID, next.IdemKey, next.NextAttemptAt = d.ID, fmt.Sprintf("%s>%d", d.IdemKey, d.ChannelID), time.Time{}
	if _, err := db.insertDelivery(ctx, tx, next); err != nil && err != errIdemRace {
		return true, fmt.Errorf("fallback: %w", err)
	}
	return true, nil
}

// fallbackText encodes a fallback chain; none is stored as ”.
func fallbackText(hops []model.NotifyHop) (string, error) {
	if len(hops) == 0 {
		return "", nil
	}
	b, err := json.Marshal(hops)
	return string(b), err
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// GetDelivery returns one delivery.
func (db *DB) GetDelivery(ctx context.Context, id int64) (model.Delivery, error) {
	d, err := db.scanDelivery(db.read.QueryRowContext(ctx, db.q(`SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`), id))
	return d, notFound(err, "delivery", id)
}

// ListDeliveries returns the deliveries of an outbound message.
func (db *DB) ListDeliveries(ctx context.Context, messageID int64) ([]model.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+deliveryCols+` FROM deliveries WHERE message_id = ? ORDER BY id`), messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Delivery{}
	for rows.Next() {
		d, err := db.scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadReads(ctx, out)
}

// OutboxDepth counts deliveries still to be sent.
func (db *DB) OutboxDepth(ctx context.Context) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE state IN ('queued', 'failed')`).Scan(&n)
	return n, err
}
