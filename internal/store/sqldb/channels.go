package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// CreateChannel inserts a channel, sealing its config.
func (db *DB) CreateChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	now := time.Now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO channels (kind, name, org_unit_id, config, enabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		c.Kind, c.Name, c.OrgUnitID, db.seal(c.Config), c.Enabled, ts(now), ts(now)).Scan(&c.ID)
	if err != nil {
		return model.Channel{}, fmt.Errorf("create channel %q: %w", c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = fromTS(ts(now)), fromTS(ts(now))
	return c, nil
}

const channelCols = `id, kind, name, org_unit_id, config, enabled, created_at, updated_at`

func (db *DB) scanChannel(row interface{ Scan(...any) error }) (model.Channel, error) {
	var c model.Channel
	var sealed []byte
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.OrgUnitID, &sealed, &c.Enabled, &created, &updated); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	cfg, err := db.open(sealed)
	if err != nil {
		return c, fmt.Errorf("channel %d config: %w", c.ID, err)
	}
	c.Config = cfg
	return c, nil
}

// GetChannel returns one channel with its config opened.
func (db *DB) GetChannel(ctx context.Context, id int64) (model.Channel, error) {
	c, err := db.scanChannel(db.read.QueryRowContext(ctx, db.q(`SELECT `+channelCols+` FROM channels WHERE id = ?`), id))
	return c, notFound(err, "channel", id)
}

// ListChannels returns the channels owned by units in scope.
func (db *DB) ListChannels(ctx context.Context, scope store.Scope) ([]model.Channel, error) {
	cond, args := scopeClause("org_unit_id", scope)
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+channelCols+` FROM channels WHERE `+cond+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Channel{}
	for rows.Next() {
		c, err := db.scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateChannel replaces name, owner, config and enabled.
func (db *DB) UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error) {
	now := time.Now().UTC()
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE channels SET name = ?, org_unit_id = ?, config = ?, enabled = ?, updated_at = ? WHERE id = ?`),
		c.Name, c.OrgUnitID, db.seal(c.Config), c.Enabled, ts(now), c.ID)
	if err != nil {
		return c, fmt.Errorf("update channel %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, fmt.Errorf("channel %d: %w", c.ID, store.ErrNotFound)
	}
	return db.GetChannel(ctx, c.ID)
}

// DeleteChannel removes a channel that has no messages; otherwise ErrConflict
// (disable it instead, so no message loses its origin).
func (db *DB) DeleteChannel(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// Check and delete in one transaction: with SQLite's single writer no
		// message can slip in between. On PostgreSQL a message still
		// uncommitted is not counted; only a foreign key would close that.
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM messages WHERE channel_id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("channel %d has %d messages: %w", id, n, store.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM channels WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("channel %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}
