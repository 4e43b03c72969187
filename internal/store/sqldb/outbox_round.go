package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

const claimSQL = `UPDATE deliveries SET owner = ?, lease_until = ?
	WHERE id IN (SELECT id FROM deliveries WHERE state IN ('queued', 'failed') AND next_attempt_at <= ? AND lease_until < ?
		ORDER BY next_attempt_at, id LIMIT ?%s)
	RETURNING ` + deliveryCols

// claim leases due deliveries on q (the write pool or a transaction).
func (db *DB) claim(ctx context.Context, q Querier, owner string, now, until time.Time, limit int) ([]model.Delivery, error) {
	rows, err := q.QueryContext(ctx, db.q(fmt.Sprintf(claimSQL, db.d.SkipLocked())), owner, ts(until), ts(now), ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := db.scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordAndClaim writes a round's outcomes and leases the next round in
// one transaction: a dispatcher that keeps sending pays one commit (one
// fsync) per round instead of two.
func (db *DB) RecordAndClaim(ctx context.Context, outs []store.DeliveryOutcome, owner string, now, until time.Time, limit int) ([]model.Delivery, error) {
	var next []model.Delivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.recordOutcomes(ctx, tx, outs); err != nil {
			return err
		}
		var err error
		next, err = db.claim(ctx, db.on(tx), owner, now, until, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record %d delivery outcomes: %w", len(outs), err)
	}
	return next, nil
}

// recordOutcomes writes outcomes in tx: every "sent" in one multi-row
// statement (the common case, one execution instead of one per delivery),
// the others one by one. Deliveries that no longer exist are skipped.
func (db *DB) recordOutcomes(ctx context.Context, tx *sql.Tx, outs []store.DeliveryOutcome) error {
	var sent []any
	for _, o := range outs {
		if o.Kind == store.OutcomeSent {
			sent = append(sent, o.ID, o.ExternalID, ts(o.At))
			continue
		}
		if _, err := db.recordOutcome(ctx, tx, o); err != nil {
			return fmt.Errorf("delivery %d: %w", o.ID, err)
		}
	}
	return chunked(sent, func(args []any) error {
		_, err := db.on(tx).ExecContext(ctx, db.d.Rebind(`UPDATE deliveries SET state = 'sent', attempts = attempts + 1,
			external_id = v.column2, last_error = '', lease_until = 0, updated_at = v.column3
			FROM (VALUES `+ValuesSQL(len(args)/3, "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT))")+`) AS v
			WHERE deliveries.id = v.column1`), args...)
		if err != nil {
			return fmt.Errorf("sent deliveries: %w", err)
		}
		return nil
	}, 3)
}
