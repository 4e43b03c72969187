package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// UpdateTicket writes t whole if t.Version is still current.
func (db *DB) UpdateTicket(ctx context.Context, t model.Ticket, changes []model.TicketChange) (model.Ticket, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = db.updateTicketTx(ctx, tx, t, changes)
		return err
	})
	if err != nil {
		return t, fmt.Errorf("update ticket %d: %w", t.ID, err)
	}
	return t, nil
}

// updateTicketTx is UpdateTicket inside tx, shared with writes that
// change a ticket together with other rows (SLA escalations).
func (db *DB) updateTicketTx(ctx context.Context, tx *sql.Tx, t model.Ticket, changes []model.TicketChange) (model.Ticket, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	t.UpdatedAt = now
	vals, err := db.ticketValues(&t)
	if err != nil {
		return t, err
	}
	set := make([]string, len(ticketWriteCols))
	for i, c := range ticketWriteCols {
		set[i] = c + " = ?"
	}
	q := `UPDATE tickets SET ` + strings.Join(set, ", ") + `, version = version + 1 WHERE id = ? AND version = ?`
	res, err := tx.ExecContext(ctx, db.q(q), append(vals, t.ID, t.Version)...)
	if err != nil {
		return t, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return t, db.whyNotUpdated(ctx, tx, t)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM ticket_tags WHERE ticket_id = ?`), t.ID); err != nil {
		return t, err
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM ticket_watchers WHERE ticket_id = ?`), t.ID); err != nil {
		return t, err
	}
	if err := db.writeTicketSets(ctx, tx, &t); err != nil {
		return t, err
	}
	for i := range changes {
		changes[i].TicketID, changes[i].At = t.ID, now
	}
	if err := db.appendHistory(ctx, tx, changes); err != nil {
		return t, err
	}
	t.Version++
	return t, nil
}

func (db *DB) whyNotUpdated(ctx context.Context, tx *sql.Tx, t model.Ticket) error {
	var v int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT version FROM tickets WHERE id = ?`), t.ID).Scan(&v)
	if err != nil {
		return notFound(err, "ticket", t.ID)
	}
	return fmt.Errorf("version %d, stored %d: %w", t.Version, v, store.ErrStale)
}

// writeTicketSets inserts t's tags and watchers (sorted, without repeats).
func (db *DB) writeTicketSets(ctx context.Context, tx *sql.Tx, t *model.Ticket) error {
	t.Tags = slices.Compact(slices.Sorted(slices.Values(t.Tags)))
	t.Watchers = slices.Compact(slices.Sorted(slices.Values(t.Watchers)))
	for _, tag := range t.Tags {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`), t.ID, tag); err != nil {
			return fmt.Errorf("tag %q: %w", tag, err)
		}
	}
	for _, u := range t.Watchers {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_watchers (ticket_id, user_id) VALUES (?, ?)`), t.ID, u); err != nil {
			return fmt.Errorf("watcher %d: %w", u, err)
		}
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if t.Watchers == nil {
		t.Watchers = []int64{}
	}
	return nil
}

// loadTicketSets fills the tags and watchers of ts with one query each.
func (db *DB) loadTicketSets(ctx context.Context, q Querier, ts []model.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	at := make(map[int64]*model.Ticket, len(ts))
	args := make([]any, len(ts))
	for i := range ts {
		at[ts[i].ID], args[i] = &ts[i], ts[i].ID
	}
	in := `(` + placeholders(len(args)) + `)`
	err := db.scanPairs(ctx, q, `SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN `+in+` ORDER BY tag`, args,
		func(id int64, rows *sql.Rows) error {
			var tag string
			err := rows.Scan(&id, &tag)
			at[id].Tags = append(at[id].Tags, tag)
			return err
		})
	if err != nil {
		return err
	}
	return db.scanPairs(ctx, q, `SELECT ticket_id, user_id FROM ticket_watchers WHERE ticket_id IN `+in+` ORDER BY user_id`, args,
		func(id int64, rows *sql.Rows) error {
			var u int64
			err := rows.Scan(&id, &u)
			at[id].Watchers = append(at[id].Watchers, u)
			return err
		})
}

func (db *DB) scanPairs(ctx context.Context, q Querier, query string, args []any, fn func(int64, *sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, db.d.Rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(0, rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (db *DB) appendHistory(ctx context.Context, tx *sql.Tx, cs []model.TicketChange) error {
	for _, c := range cs {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_history (ticket_id, at, actor_id, field, old_value, new_value, note)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), c.TicketID, ts(c.At), nullID(c.ActorID), c.Field, c.From, c.To, c.Note)
		if err != nil {
			return fmt.Errorf("history %s: %w", c.Field, err)
		}
	}
	return nil
}

// AddTicketComment stores a comment on an existing ticket.
func (db *DB) AddTicketComment(ctx context.Context, c model.TicketComment) (model.TicketComment, error) {
	c.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM tickets WHERE id = ?`), c.TicketID).Scan(&one); err != nil {
			return notFound(err, "ticket", c.TicketID)
		}
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), c.TicketID, nullID(c.AuthorID), db.seal([]byte(c.Body)), c.Public, ts(c.CreatedAt)).Scan(&c.ID)
	})
	if err != nil {
		return c, fmt.Errorf("comment on ticket %d: %w", c.TicketID, err)
	}
	return c, nil
}

// TicketSources lists a ticket's source messages in the order they joined.
func (db *DB) TicketSources(ctx context.Context, ticketID int64) ([]model.TicketSource, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT message_id, channel_id, conversation_id, COALESCE(added_by, 0), added_at
		FROM ticket_sources WHERE ticket_id = ? ORDER BY added_at, message_id`), ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.TicketSource{}
	for rows.Next() {
		var s model.TicketSource
		var at int64
		if err := rows.Scan(&s.MessageID, &s.ChannelID, &s.ConversationID, &s.AddedBy, &at); err != nil {
			return nil, err
		}
		s.AddedAt = fromTS(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// TicketComments lists comments oldest first.
func (db *DB) TicketComments(ctx context.Context, ticketID int64, publicOnly bool) ([]model.TicketComment, error) {
	q := `SELECT id, ticket_id, COALESCE(author_id, 0), body, public, created_at FROM ticket_comments WHERE ticket_id = ?`
	if publicOnly {
		q += ` AND public = ?`
	}
	args := []any{ticketID}
	if publicOnly {
		args = append(args, true)
	}
	rows, err := db.read.QueryContext(ctx, db.q(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.TicketComment{}
	for rows.Next() {
		var c model.TicketComment
		var at int64
		var body []byte
		if err := rows.Scan(&c.ID, &c.TicketID, &c.AuthorID, &body, &c.Public, &at); err != nil {
			return nil, err
		}
		plain, err := db.open(body)
		if err != nil {
			return nil, fmt.Errorf("ticket comment %d: %w", c.ID, err)
		}
		c.Body = string(plain)
		c.CreatedAt = fromTS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// TicketHistory lists changes oldest first.
func (db *DB) TicketHistory(ctx context.Context, ticketID int64) ([]model.TicketChange, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, ticket_id, at, COALESCE(actor_id, 0), field, old_value, new_value, note
		FROM ticket_history WHERE ticket_id = ? ORDER BY id`), ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.TicketChange{}
	for rows.Next() {
		var c model.TicketChange
		var at int64
		if err := rows.Scan(&c.ID, &c.TicketID, &at, &c.ActorID, &c.Field, &c.From, &c.To, &c.Note); err != nil {
			return nil, err
		}
		c.At = fromTS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// TicketTypes lists the built-in and admin-defined types.
func (db *DB) TicketTypes(ctx context.Context) ([]model.TicketType, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name, label_zh, label_en, flow, fields, builtin FROM ticket_types ORDER BY builtin DESC, created_at, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.TicketType{}
	for rows.Next() {
		var t model.TicketType
		var fields string
		if err := rows.Scan(&t.Name, &t.LabelZH, &t.LabelEN, &t.Flow, &fields, &t.Builtin); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(fields), &t.Fields); err != nil {
			return nil, fmt.Errorf("ticket type %s: fields: %w", t.Name, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const weightsSetting = "priority_weights"

// PriorityWeights returns the stored weights.
func (db *DB) PriorityWeights(ctx context.Context) (model.PriorityWeights, bool, error) {
	var w model.PriorityWeights
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM ticket_settings WHERE name = ?`), weightsSetting).Scan(&v)
	if err == sql.ErrNoRows {
		return w, false, nil
	}
	if err != nil {
		return w, false, err
	}
	return w, true, json.Unmarshal([]byte(v), &w)
}

// SetPriorityWeights stores the weights.
func (db *DB) SetPriorityWeights(ctx context.Context, w model.PriorityWeights) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), weightsSetting, string(b), ts(time.Now()))
	return err
}
