package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

const webhookCols = `id, name, url, secret, events, include_internal, active, COALESCE(created_by, 0), created_at, updated_at`

// CreateTicketWebhook stores a webhook with its secret sealed.
func (db *DB) CreateTicketWebhook(ctx context.Context, w model.TicketWebhook) (model.TicketWebhook, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	w.CreatedAt, w.UpdatedAt = now, now
	events, _ := json.Marshal(nonNil(w.Events))
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO ticket_webhooks (name, url, secret, events, include_internal, active,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), w.Name, w.URL, db.seal([]byte(w.Secret)),
		string(events), w.IncludeInternal, w.Active, nullID(w.CreatedBy), ts(now), ts(now)).Scan(&w.ID)
	if err != nil {
		return w, fmt.Errorf("create ticket webhook: %w", err)
	}
	return w, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (db *DB) scanWebhook(row interface{ Scan(...any) error }) (model.TicketWebhook, error) {
	var w model.TicketWebhook
	var secret []byte
	var events string
	var created, updated int64
	if err := row.Scan(&w.ID, &w.Name, &w.URL, &secret, &events, &w.IncludeInternal, &w.Active, &w.CreatedBy, &created, &updated); err != nil {
		return w, err
	}
	plain, err := db.open(secret)
	if err != nil {
		return w, fmt.Errorf("ticket webhook %d secret: %w", w.ID, err)
	}
	w.Secret, w.CreatedAt, w.UpdatedAt = string(plain), fromTS(created), fromTS(updated)
	return w, json.Unmarshal([]byte(events), &w.Events)
}

// GetTicketWebhook returns one webhook with its secret.
func (db *DB) GetTicketWebhook(ctx context.Context, id int64) (model.TicketWebhook, error) {
	w, err := db.scanWebhook(db.read.QueryRowContext(ctx, db.q(`SELECT `+webhookCols+` FROM ticket_webhooks WHERE id = ?`), id))
	return w, notFound(err, "ticket webhook", id)
}

// ListTicketWebhooks lists every webhook, oldest first.
func (db *DB) ListTicketWebhooks(ctx context.Context) ([]model.TicketWebhook, error) {
	return db.listWebhooks(ctx, db.read)
}

func (db *DB) listWebhooks(ctx context.Context, q Querier) ([]model.TicketWebhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookCols+` FROM ticket_webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("ticket webhooks: %w", err)
	}
	defer rows.Close()
	out := []model.TicketWebhook{}
	for rows.Next() {
		w, err := db.scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateTicketWebhook writes w; an empty secret keeps the stored one.
func (db *DB) UpdateTicketWebhook(ctx context.Context, w model.TicketWebhook) (model.TicketWebhook, error) {
	w.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	events, _ := json.Marshal(nonNil(w.Events))
	q, args := `UPDATE ticket_webhooks SET name = ?, url = ?, events = ?, include_internal = ?, active = ?, updated_at = ?`,
		[]any{w.Name, w.URL, string(events), w.IncludeInternal, w.Active, ts(w.UpdatedAt)}
	if w.Secret != "" {
		q, args = q+`, secret = ?`, append(args, db.seal([]byte(w.Secret)))
	}
	res, err := db.write.ExecContext(ctx, db.q(q+` WHERE id = ?`), append(args, w.ID)...)
	if err != nil {
		return w, fmt.Errorf("update ticket webhook %d: %w", w.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return w, fmt.Errorf("ticket webhook %d: %w", w.ID, store.ErrNotFound)
	}
	return db.GetTicketWebhook(ctx, w.ID)
}

// DeleteTicketWebhook removes a webhook and its deliveries.
func (db *DB) DeleteTicketWebhook(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM ticket_hook_deliveries WHERE webhook_id = ?`), id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM ticket_webhooks WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("ticket webhook %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// hookSourceTables are the tables whose rows are ticket events: the
// history (created, status, field changes) and the comments.
var hookSourceTables = map[string]struct{ table, at string }{
	"history": {"ticket_history", "at"},
	"comment": {"ticket_comments", "created_at"},
}

// advanceHookCursor moves a source's cursor over rows older than cutoff,
// up to (not past) the first row not yet recorded as an event.
func (db *DB) advanceHookCursor(ctx context.Context, source string, cutoff int64) error {
	below, err := db.hookCursor(ctx, source)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(hookCursorSQL(source)), below, cutoff, below, source, source, below)
	return err
}

// hookCursor reads a source's cursor. The passes give it to their queries
// as a value, not a join, so PostgreSQL plans for the few rows above it
// rather than a guessed third of the table.
func (db *DB) hookCursor(ctx context.Context, source string) (int64, error) {
	var below int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT below_id FROM ticket_hook_cursor WHERE source = ?`), source).Scan(&below)
	return below, err
}

func hookCursorSQL(source string) string {
	src := hookSourceTables[source]
	// The last condition leaves a cursor another node moved meanwhile.
	return strings.NewReplacer("{t}", src.table, "{at}", src.at).Replace(`UPDATE ticket_hook_cursor SET below_id = COALESCE((
		SELECT MAX(h.id) FROM {t} h WHERE h.id > ? AND h.{at} < ? AND h.id < COALESCE((
			SELECT MIN(u.id) FROM {t} u WHERE u.id > ? AND NOT EXISTS (
				SELECT 1 FROM ticket_hook_events e WHERE e.source = ? AND e.source_id = u.id)), h.id + 1)), below_id)
		WHERE source = ? AND below_id = ?`)
}

// AdvanceHookCursors moves both sources' cursors.
func (db *DB) AdvanceHookCursors(ctx context.Context, grace time.Duration) error {
	cutoff := ts(time.Now().Add(-grace))
	for _, s := range []string{"history", "comment"} {
		if err := db.advanceHookCursor(ctx, s, cutoff); err != nil {
			return fmt.Errorf("hook cursor %s: %w", s, err)
		}
	}
	return nil
}

// HookSources lists history rows and comments not yet recorded as events.
func (db *DB) HookSources(ctx context.Context, limit int) ([]store.HookSource, error) {
	out, err := db.unseenHistory(ctx, limit)
	if err != nil {
		return nil, err
	}
	cs, err := db.unseenComments(ctx, limit)
	if err != nil {
		return nil, err
	}
	out = append(out, cs...)
	sortHookSources(out)
	return out, nil
}

const unseenHistorySQL = `SELECT h.id, h.ticket_id, h.at, COALESCE(h.actor_id, 0), h.field, h.old_value, h.new_value, h.note
	FROM ticket_history h WHERE h.id > ? AND NOT EXISTS (
		SELECT 1 FROM ticket_hook_events e WHERE e.source = 'history' AND e.source_id = h.id) ORDER BY h.id LIMIT ?`

const unseenCommentsSQL = `SELECT h.id, h.ticket_id, COALESCE(h.author_id, 0), h.body, h.public, h.created_at
	FROM ticket_comments h WHERE h.id > ? AND NOT EXISTS (
		SELECT 1 FROM ticket_hook_events e WHERE e.source = 'comment' AND e.source_id = h.id) ORDER BY h.id LIMIT ?`

func (db *DB) unseenHistory(ctx context.Context, limit int) ([]store.HookSource, error) {
	below, err := db.hookCursor(ctx, "history")
	if err != nil {
		return nil, fmt.Errorf("unseen history: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, db.q(unseenHistorySQL), below, limit)
	if err != nil {
		return nil, fmt.Errorf("unseen history: %w", err)
	}
	defer rows.Close()
	var out []store.HookSource
	for rows.Next() {
		s := store.HookSource{Source: "history"}
		var at int64
		c := &s.Change
		if err := rows.Scan(&s.ID, &s.TicketID, &at, &c.ActorID, &c.Field, &c.From, &c.To, &c.Note); err != nil {
			return nil, err
		}
		s.At, c.TicketID, c.At = fromTS(at), s.TicketID, fromTS(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (db *DB) unseenComments(ctx context.Context, limit int) ([]store.HookSource, error) {
	below, err := db.hookCursor(ctx, "comment")
	if err != nil {
		return nil, fmt.Errorf("unseen comments: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, db.q(unseenCommentsSQL), below, limit)
	if err != nil {
		return nil, fmt.Errorf("unseen comments: %w", err)
	}
	defer rows.Close()
	var out []store.HookSource
	for rows.Next() {
		s := store.HookSource{Source: "comment"}
		var at int64
		var body []byte
		c := &s.Comment
		if err := rows.Scan(&c.ID, &c.TicketID, &c.AuthorID, &body, &c.Public, &at); err != nil {
			return nil, err
		}
		plain, err := db.open(body)
		if err != nil {
			return nil, fmt.Errorf("comment %d: %w", c.ID, err)
		}
		c.Body, c.CreatedAt = string(plain), fromTS(at)
		s.ID, s.TicketID, s.At = c.ID, c.TicketID, c.CreatedAt
		out = append(out, s)
	}
	return out, rows.Err()
}

// RecordHookEvent stores ev once, with a delivery per webhook wanting it.
func (db *DB) RecordHookEvent(ctx context.Context, ev store.HookEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO ticket_hook_events (source, source_id, type, ticket_id, internal, occurred_at, payload)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_id) DO NOTHING RETURNING id`), ev.Source, ev.SourceID, ev.Type,
			ev.TicketID, ev.Internal, ts(ev.OccurredAt), db.seal(ev.Payload)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another pass (or node) recorded it first
		}
		if err != nil || ev.SeenOnly {
			return err
		}
		hooks, err := db.listWebhooks(ctx, tx)
		if err != nil {
			return err
		}
		now := ts(time.Now())
		for _, w := range hooks {
			// A webhook hears of what happened after it was registered.
			if !w.Wants(ev.Type, ev.Internal) || w.CreatedAt.After(ev.OccurredAt) {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_hook_deliveries (webhook_id, event_id, ticket_id, next_at,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`), w.ID, id, ev.TicketID, now, now, now); err != nil {
				return fmt.Errorf("hook delivery to %d: %w", w.ID, err)
			}
		}
		return nil
	})
}
