package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// CreateTicketView stores a saved view. The unique (user, name) index makes
// a second view of the same name a conflict, also when two requests race.
func (db *DB) CreateTicketView(ctx context.Context, v model.TicketView) (model.TicketView, error) {
	now := time.Now().UTC()
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO ticket_views (user_id, org_unit_id, name, query, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, name) DO NOTHING RETURNING id`),
		v.UserID, v.OrgUnitID, v.Name, v.Query, ts(now)).Scan(&v.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return model.TicketView{}, fmt.Errorf("ticket view %q: %w", v.Name, store.ErrConflict)
	}
	if err != nil {
		return model.TicketView{}, fmt.Errorf("create ticket view %q: %w", v.Name, err)
	}
	v.CreatedAt = fromTS(ts(now))
	return v, nil
}

// TicketViews lists a user's views and the ones shared with their units.
func (db *DB) TicketViews(ctx context.Context, userID int64, units []int64) ([]model.TicketView, error) {
	w := &where{}
	args := []any{userID}
	cond := "user_id = ?"
	if len(units) > 0 {
		cond += " OR (org_unit_id <> 0 AND org_unit_id IN (" + placeholders(len(units)) + "))"
		for _, u := range units {
			args = append(args, u)
		}
	}
	w.add("("+cond+")", args...)
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT id, user_id, org_unit_id, name, query, created_at
		FROM ticket_views WHERE `+w.sql()+` ORDER BY name, id`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list ticket views: %w", err)
	}
	defer rows.Close()
	out := []model.TicketView{}
	for rows.Next() {
		var v model.TicketView
		var at int64
		if err := rows.Scan(&v.ID, &v.UserID, &v.OrgUnitID, &v.Name, &v.Query, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = fromTS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteTicketView removes a view its owner no longer wants.
func (db *DB) DeleteTicketView(ctx context.Context, id, userID int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM ticket_views WHERE id = ? AND user_id = ?`), id, userID)
	if err != nil {
		return fmt.Errorf("delete ticket view %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("ticket view %d of user %d: %w", id, userID, store.ErrNotFound)
	}
	return nil
}
