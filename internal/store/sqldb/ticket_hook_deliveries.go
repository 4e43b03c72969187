package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// sortHookSources orders changes as they happened, history before a
// comment of the same instant.
func sortHookSources(s []store.HookSource) {
	slices.SortStableFunc(s, func(a, b store.HookSource) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
}

const hookDeliveryCols = `d.id, d.webhook_id, d.event_id, e.source, e.source_id, e.type, d.ticket_id, d.state, d.attempts, d.next_at, d.response_code,
	d.last_error, d.latency_ms, d.created_at, d.updated_at`

func (db *DB) scanHookDeliveries(rows *sql.Rows, withPayload bool) ([]model.TicketHookDelivery, error) {
	defer rows.Close()
	out := []model.TicketHookDelivery{}
	for rows.Next() {
		var d model.TicketHookDelivery
		var next, created, updated int64
		var payload []byte
		var source string
		var sourceID int64
		dst := []any{&d.ID, &d.WebhookID, &d.EventID, &source, &sourceID, &d.EventType, &d.TicketID, &d.State, &d.Attempts, &next, &d.ResponseCode,
			&d.LastError, &d.LatencyMS, &created, &updated}
		if withPayload {
			dst = append(dst, &payload)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		d.NextAt, d.CreatedAt, d.UpdatedAt = fromTS(next), fromTS(created), fromTS(updated)
		d.EventKey = model.HookEventKey(source, sourceID)
		if d.State != model.HookPending {
			d.NextAt = time.Time{}
		}
		if withPayload {
			plain, err := db.open(payload)
			if err != nil {
				return nil, fmt.Errorf("hook event %d payload: %w", d.EventID, err)
			}
			d.Payload = plain
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (db *DB) claimHookSQL() string {
	return `UPDATE ticket_hook_deliveries SET owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT d.id FROM ticket_hook_deliveries d WHERE d.state = 'pending' AND d.next_at <= ? AND d.lease_until < ?
			AND NOT EXISTS (SELECT 1 FROM ticket_hook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.ticket_id = d.ticket_id
				AND p.state = 'pending' AND p.id < d.id)
			AND EXISTS (SELECT 1 FROM ticket_webhooks w WHERE w.id = d.webhook_id AND w.active = ?)
			ORDER BY d.id LIMIT ?` + db.d.SkipLocked() + `) AND lease_until < ? RETURNING id`
}

// ClaimHookDeliveries leases due deliveries, the oldest unfinished one per
// webhook and ticket, and returns them with their bodies.
func (db *DB) ClaimHookDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.TicketHookDelivery, error) {
	var out []model.TicketHookDelivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.q(db.claimHookSQL()), owner, ts(until), ts(now), ts(now), true, limit, ts(now))
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.QueryContext(ctx, db.d.Rebind(`SELECT `+hookDeliveryCols+`, e.payload FROM ticket_hook_deliveries d
			JOIN ticket_hook_events e ON e.id = d.event_id WHERE d.id IN (`+placeholders(len(ids))+`) ORDER BY d.id`), ids...)
		if err != nil {
			return err
		}
		out, err = db.scanHookDeliveries(rows, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim hook deliveries: %w", err)
	}
	return out, nil
}

// RecordHookOutcome writes an attempt's result while owner holds the lease.
func (db *DB) RecordHookOutcome(ctx context.Context, owner string, o store.HookOutcome) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		res, err := tx.ExecContext(ctx, db.q(`UPDATE ticket_hook_deliveries SET state = ?, next_at = ?, response_code = ?, last_error = ?,
			latency_ms = ?, lease_until = 0, owner = '', updated_at = ? WHERE id = ? AND owner = ? AND state = 'pending'`),
			o.State, ts(o.NextAt), o.ResponseCode, o.LastError, o.Latency.Milliseconds(), ts(now), o.ID, owner)
		if err != nil {
			return fmt.Errorf("hook delivery %d outcome: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 || o.State != model.HookDead {
			return nil // the lease passed to another node, which records its own attempt
		}
		var hook, url string
		var attempts int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT w.name, w.url, d.attempts FROM ticket_hook_deliveries d
			JOIN ticket_webhooks w ON w.id = d.webhook_id WHERE d.id = ?`), o.ID).Scan(&hook, &url, &attempts); err != nil {
			return err
		}
		detail := fmt.Sprintf("ticket webhook %q (%s) delivery %d gave up after %d attempts: %s", hook, url, o.ID, attempts, o.LastError)
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO alerts (kind, subject, detail, created_at) VALUES (?, ?, ?, ?)`),
			model.AlertTicketHookDead, fmt.Sprintf("ticket_hook_delivery:%d", o.ID), detail, ts(now))
		return err
	})
}

// ListHookDeliveries lists a webhook's deliveries, newest first.
func (db *DB) ListHookDeliveries(ctx context.Context, webhookID, before int64, limit int) ([]model.TicketHookDelivery, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q, args := `SELECT `+hookDeliveryCols+` FROM ticket_hook_deliveries d JOIN ticket_hook_events e ON e.id = d.event_id
		WHERE d.webhook_id = ?`, []any{webhookID}
	if before > 0 {
		q, args = q+` AND d.id < ?`, append(args, before)
	}
	rows, err := db.read.QueryContext(ctx, db.q(q+` ORDER BY d.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("hook deliveries of %d: %w", webhookID, err)
	}
	return db.scanHookDeliveries(rows, false)
}

// RedeliverHook makes a finished delivery pending and due now, with a
// fresh count of attempts; one still pending is ErrConflict (it is on its way).
func (db *DB) RedeliverHook(ctx context.Context, webhookID, deliveryID int64) (model.TicketHookDelivery, error) {
	now := ts(time.Now())
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE ticket_hook_deliveries SET state = 'pending', attempts = 0, next_at = ?,
		lease_until = 0, owner = '', updated_at = ? WHERE id = ? AND webhook_id = ? AND state <> 'pending'`), now, now, deliveryID, webhookID)
	if err != nil {
		return model.TicketHookDelivery{}, fmt.Errorf("redeliver %d: %w", deliveryID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		err := db.write.QueryRowContext(ctx, db.q(`SELECT 1 FROM ticket_hook_deliveries WHERE id = ? AND webhook_id = ?`), deliveryID, webhookID).Scan(&one)
		if err == nil {
			return model.TicketHookDelivery{}, fmt.Errorf("delivery %d is still pending: %w", deliveryID, store.ErrConflict)
		}
		return model.TicketHookDelivery{}, notFound(err, "delivery of ticket webhook", deliveryID)
	}
	rows, err := db.write.QueryContext(ctx, db.q(`SELECT `+hookDeliveryCols+` FROM ticket_hook_deliveries d
		JOIN ticket_hook_events e ON e.id = d.event_id WHERE d.id = ?`), deliveryID)
	if err != nil {
		return model.TicketHookDelivery{}, err
	}
	ds, err := db.scanHookDeliveries(rows, false)
	if err != nil || len(ds) == 0 {
		return model.TicketHookDelivery{}, fmt.Errorf("redeliver %d: %w", deliveryID, err)
	}
	return ds[0], nil
}

// PruneHookEvents deletes old finished deliveries and the events left
// The prune's conditions read ticket_hook_deliveries_done and
// ticket_hook_events_occurred (017): what is old enough, not the whole log.
const (
	pruneDeliveriesSQL = `DELETE FROM ticket_hook_deliveries WHERE state IN ('delivered', 'dead') AND updated_at < ?`
	pruneEventsSQL     = `DELETE FROM ticket_hook_events WHERE occurred_at < ?
		AND source_id <= (SELECT c.below_id FROM ticket_hook_cursor c WHERE c.source = ticket_hook_events.source)
		AND NOT EXISTS (SELECT 1 FROM ticket_hook_deliveries d WHERE d.event_id = ticket_hook_events.id)`
)

// without any, once the cursor has passed them.
func (db *DB) PruneHookEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(pruneDeliveriesSQL), ts(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, db.q(pruneEventsSQL), ts(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune hook events: %w", err)
	}
	return n, nil
}
