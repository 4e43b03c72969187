package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"switchboard/internal/store"
)

// SaveSessionRoute upserts a conversation's route, sealed.
func (db *DB) SaveSessionRoute(ctx context.Context, channelID int64, conv string, route []byte, expires time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO dingtalk_sessions (channel_id, conversation_id, route, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, conversation_id)
		DO UPDATE SET route = excluded.route, expires_at = excluded.expires_at, updated_at = excluded.updated_at`),
		channelID, conv, db.seal(route), ts(expires), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("save session route: %w", err)
	}
	return nil
}

// SessionRoute reads a conversation's route.
func (db *DB) SessionRoute(ctx context.Context, channelID int64, conv string) ([]byte, time.Time, error) {
	var sealed []byte
	var exp int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT route, expires_at FROM dingtalk_sessions WHERE channel_id = ? AND conversation_id = ?`),
		channelID, conv).Scan(&sealed, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, store.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("session route: %w", err)
	}
	route, err := db.open(sealed)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("session route of channel %d: %w", channelID, err)
	}
	return route, fromTS(exp), nil
}
