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

// NotifySettings returns a user's settings, zero when none are stored.
func (db *DB) NotifySettings(ctx context.Context, userID int64) (model.NotifySettings, error) {
	var raw string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT settings FROM notify_settings WHERE user_id = ?`), userID).Scan(&raw)
	if err == sql.ErrNoRows {
		return model.NotifySettings{UserID: userID, Chain: []model.NotifyHop{}, Highlights: []string{}}, nil
	}
	if err != nil {
		return model.NotifySettings{}, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	var s model.NotifySettings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	s.UserID = userID
	return s, nil
}

// SetNotifySettings stores a user's settings whole.
func (db *DB) SetNotifySettings(ctx context.Context, s model.NotifySettings) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO notify_settings (user_id, settings, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`),
		s.UserID, string(raw), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("set notify settings of user %d: %w", s.UserID, err)
	}
	return nil
}

// intents stores the notification requests of a batch's new messages, in
// the intake transaction, so an acknowledged message is never left
// unannounced by a crash.
func (w *msgWriter) intents(fresh []model.Message) error {
	var rows []any
	now := ts(time.Now())
	for _, m := range fresh {
		if m.Notify == nil {
			continue
		}
		raw, err := json.Marshal(m.Notify)
		if err != nil {
			return err
		}
		rows = append(rows, m.ID, string(raw), now)
	}
	return chunked(rows, func(args []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`INSERT INTO notify_intents (message_id, request, created_at) VALUES `+
			ValuesSQL(len(args)/3, "(?, ?, ?)")+` ON CONFLICT (message_id) DO NOTHING`), args...)
		return err
	}, 3)
}

// ClaimIntents leases unresolved intents.
func (db *DB) ClaimIntents(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.NotifyIntent, error) {
	rows, err := db.write.QueryContext(ctx, db.q(`UPDATE notify_intents SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM notify_intents WHERE done = 0 AND lease_until < ? ORDER BY id LIMIT ?`+db.d.SkipLocked()+`)
		RETURNING id, message_id, request`), owner, ts(until), ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim intents: %w", err)
	}
	defer rows.Close()
	var out []model.NotifyIntent
	for rows.Next() {
		var in model.NotifyIntent
		var raw string
		if err := rows.Scan(&in.ID, &in.MessageID, &raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &in.Request); err != nil {
			return nil, fmt.Errorf("intent %d: %w", in.ID, err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// ResolveIntent stores an intent's notifications and deliveries and marks it done.
func (db *DB) ResolveIntent(ctx context.Context, intentID int64, ns []store.NewNotification) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			if err := db.insertNotification(ctx, tx, n); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE notify_intents SET done = 1, lease_until = 0 WHERE id = ?`), intentID)
		return err
	})
	if err != nil {
		return fmt.Errorf("resolve intent %d: %w", intentID, err)
	}
	return nil
}

// insertNotification stores n unless the user has one for the message,
// then its delivery, linked both ways.
func (db *DB) insertNotification(ctx context.Context, tx *sql.Tx, n store.NewNotification) error {
	nt := n.Notification
	var id int64
	err := tx.QueryRowContext(ctx, db.q(`INSERT INTO notifications (user_id, message_id, mode, state, reason, due_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO NOTHING RETURNING id`),
		nt.UserID, nt.MessageID, nt.Mode, string(nt.State), nt.Reason, ts(nt.DueAt), ts(time.Now())).Scan(&id)
	if err == sql.ErrNoRows || n.Delivery == nil {
		return nil // notified before, or nothing to send now
	}
	if err != nil {
		return fmt.Errorf("notification of user %d: %w", nt.UserID, err)
	}
	d := *n.Delivery
	d.NotificationID = id
	did, err := db.insertDelivery(ctx, tx, d)
	if err == errIdemRace {
		return nil // its delivery exists already
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE notifications SET delivery_id = ? WHERE id = ?`), did, id)
	return err
}

const notificationCols = `id, user_id, message_id, mode, state, reason, due_at, COALESCE(delivery_id, 0), created_at`

func scanNotification(row interface{ Scan(...any) error }) (model.Notification, error) {
	var n model.Notification
	var due, created int64
	err := row.Scan(&n.ID, &n.UserID, &n.MessageID, &n.Mode, &n.State, &n.Reason, &due, &n.DeliveryID, &created)
	n.DueAt, n.CreatedAt = fromTS(due), fromTS(created)
	return n, err
}

func scanNotifications(q *sql.Rows, err error) ([]model.Notification, error) {
	if err != nil {
		return nil, err
	}
	defer q.Close()
	out := []model.Notification{}
	for q.Next() {
		n, err := scanNotification(q)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, q.Err()
}

// ClaimHeld leases held notifications that are due.
func (db *DB) ClaimHeld(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Notification, error) {
	rows, err := db.write.QueryContext(ctx, db.q(`UPDATE notifications SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM notifications WHERE state = 'held' AND due_at <= ? AND lease_until < ?
			ORDER BY due_at, id LIMIT ?`+db.d.SkipLocked()+`)
		RETURNING `+notificationCols), owner, ts(until), ts(now), ts(now), limit)
	out, err := scanNotifications(rows, err)
	if err != nil {
		return nil, fmt.Errorf("claim held notifications: %w", err)
	}
	return out, nil
}

// FlushDigest enqueues a digest delivery and marks its notifications.
func (db *DB) FlushDigest(ctx context.Context, ids []int64, d model.Delivery) (model.Delivery, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = db.insertDelivery(ctx, tx, d); err != nil {
			return err
		}
		args := append([]any{id}, int64Args(ids)...)
		_, err = tx.ExecContext(ctx, db.d.Rebind(`UPDATE notifications SET state = 'digested', delivery_id = ?, lease_until = 0
			WHERE state = 'held' AND id IN (`+placeholders(len(ids))+`)`), args...)
		return err
	})
	if err != nil {
		return model.Delivery{}, fmt.Errorf("flush digest: %w", err)
	}
	return db.GetDelivery(ctx, id)
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// ListNotifications returns a user's notifications, newest first.
func (db *DB) ListNotifications(ctx context.Context, userID int64, limit int) ([]model.Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+notificationCols+` FROM notifications WHERE user_id = ?
		ORDER BY id DESC LIMIT ?`), userID, limit)
	return scanNotifications(rows, err)
}

// NotificationDeliveries returns the delivery path of a notification: its
// own deliveries, or, for one sent in a digest, the digest's.
func (db *DB) NotificationDeliveries(ctx context.Context, notificationID int64) ([]model.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+deliveryCols+` FROM deliveries WHERE notification_id = ?
		OR id = (SELECT delivery_id FROM notifications WHERE id = ?) ORDER BY id`), notificationID, notificationID)
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

// UsersWithRole lists enabled users whose grant of role covers unit.
func (db *DB) UsersWithRole(ctx context.Context, unit int64, role model.Role) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT DISTINCT u.id FROM users u
		JOIN user_roles r ON r.user_id = u.id
		JOIN org_unit_paths p ON p.ancestor = r.org_unit_id
		WHERE p.descendant = ? AND r.role = ? AND u.disabled = ? ORDER BY u.id`), unit, string(role), false)
	if err != nil {
		return nil, fmt.Errorf("users with role %s on %d: %w", role, unit, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
