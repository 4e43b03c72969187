package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/model"
)

// alertKeyPrefix starts the idempotency key of every alert delivery; an
// alert delivery that dies raises no further alert.
const alertKeyPrefix = "alert:"

// raiseDeadLetter records, in the transaction that gave up on d, an alert
// that its message reached nobody.
func (db *DB) raiseDeadLetter(ctx context.Context, tx *sql.Tx, d model.Delivery) error {
	if strings.HasPrefix(d.IdemKey, alertKeyPrefix) {
		return nil
	}
	detail := fmt.Sprintf("delivery %d on channel %d to %q gave up after %d attempts: %s", d.ID, d.ChannelID, d.Destination, d.Attempts, d.LastError)
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO alerts (kind, subject, detail, created_at) VALUES (?, ?, ?, ?)`),
		model.AlertDeliveryDead, fmt.Sprintf("delivery:%d", d.ID), detail, ts(time.Now()))
	return err
}

const alertCols = `id, kind, subject, detail, done, created_at`

func scanAlerts(rows *sql.Rows, err error) ([]model.Alert, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Alert{}
	for rows.Next() {
		var a model.Alert
		var done int
		var created int64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Subject, &a.Detail, &done, &created); err != nil {
			return nil, err
		}
		a.Done, a.CreatedAt = done == 1, fromTS(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ClaimAlerts leases alerts not yet sent.
func (db *DB) ClaimAlerts(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Alert, error) {
	rows, err := db.write.QueryContext(ctx, db.q(`UPDATE alerts SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM alerts WHERE done = 0 AND lease_until < ? ORDER BY id LIMIT ?`+db.d.SkipLocked()+`)
		RETURNING `+alertCols), owner, ts(until), ts(now), limit)
	out, err := scanAlerts(rows, err)
	if err != nil {
		return nil, fmt.Errorf("claim alerts: %w", err)
	}
	return out, nil
}

// ResolveAlert enqueues an alert's deliveries and marks it sent.
func (db *DB) ResolveAlert(ctx context.Context, alertID int64, ds []model.Delivery) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if !strings.HasPrefix(d.IdemKey, alertKeyPrefix) {
				return fmt.Errorf("alert delivery key %q must start with %q", d.IdemKey, alertKeyPrefix)
			}
			if _, err := db.insertDelivery(ctx, tx, d); err != nil && err != errIdemRace {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE alerts SET done = 1, lease_until = 0 WHERE id = ?`), alertID)
		return err
	})
	if err != nil {
		return fmt.Errorf("resolve alert %d: %w", alertID, err)
	}
	return nil
}

// ListAlerts returns the newest alerts first.
func (db *DB) ListAlerts(ctx context.Context, limit int) ([]model.Alert, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+alertCols+` FROM alerts ORDER BY id DESC LIMIT ?`), limit)
	return scanAlerts(rows, err)
}
