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

// ApplyExternalEvent claims (system, event_id) and applies the event in
// the same transaction: the claim and the change commit together or not at all.
func (db *DB) ApplyExternalEvent(ctx context.Context, ev store.ExternalEvent) ([]byte, bool, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	var stored string
	dup := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var claimed string
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO ticket_external_events (system, event_id, ticket_id, actor_id, result, applied_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (system, event_id) DO NOTHING RETURNING system`), ev.System, ev.EventID, ev.TicketID,
			nullID(ev.ActorID), string(ev.Result), ts(now)).Scan(&claimed)
		if errors.Is(err, sql.ErrNoRows) {
			dup = true
			return tx.QueryRowContext(ctx, db.q(`SELECT result FROM ticket_external_events WHERE system = ? AND event_id = ?`),
				ev.System, ev.EventID).Scan(&stored)
		}
		if err != nil {
			return err
		}
		stored = string(ev.Result)
		return db.applyExternal(ctx, tx, ev, now)
	})
	if err != nil {
		return nil, false, fmt.Errorf("external event %s/%s: %w", ev.System, ev.EventID, err)
	}
	return []byte(stored), dup, nil
}

func (db *DB) applyExternal(ctx context.Context, tx *sql.Tx, ev store.ExternalEvent, now time.Time) error {
	if ev.Ticket != nil {
		t := *ev.Ticket
		if err := db.writeTicket(ctx, tx, &t, ev.Changes, now); err != nil {
			return err
		}
	}
	if c := ev.Comment; c != nil {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at)
			VALUES (?, ?, ?, ?, ?)`), ev.TicketID, nullID(c.AuthorID), db.seal([]byte(c.Body)), c.Public, ts(now)); err != nil {
			return fmt.Errorf("comment: %w", err)
		}
	}
	if ev.Ref != "" {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_external_refs (ticket_id, system, ref, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (ticket_id, system) DO UPDATE SET ref = excluded.ref, updated_at = excluded.updated_at`),
			ev.TicketID, ev.System, ev.Ref, ts(now)); err != nil {
			return fmt.Errorf("external ref: %w", err)
		}
	}
	return nil
}

// ExternalEventResult returns what a claimed event stored.
func (db *DB) ExternalEventResult(ctx context.Context, system, eventID string) ([]byte, bool, error) {
	var res string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT result FROM ticket_external_events WHERE system = ? AND event_id = ?`),
		system, eventID).Scan(&res)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return []byte(res), err == nil, err
}

// ExternalRefs lists a ticket's keys in external systems.
func (db *DB) ExternalRefs(ctx context.Context, ticketID int64) ([]model.ExternalRef, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT system, ref, updated_at FROM ticket_external_refs WHERE ticket_id = ? ORDER BY system`), ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.ExternalRef{}
	for rows.Next() {
		var r model.ExternalRef
		var at int64
		if err := rows.Scan(&r.System, &r.Ref, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt = fromTS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutTicketType creates or replaces an admin-defined ticket type.
func (db *DB) PutTicketType(ctx context.Context, t model.TicketType, create bool) error {
	if t.Fields == nil {
		t.Fields = []model.TicketFieldDef{}
	}
	fields, err := json.Marshal(t.Fields)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var builtin bool
		err := tx.QueryRowContext(ctx, db.q(`SELECT builtin FROM ticket_types WHERE name = ?`), t.Name).Scan(&builtin)
		switch {
		case err == nil && (create || builtin):
			return fmt.Errorf("ticket type %s exists (built-in: %v): %w", t.Name, builtin, store.ErrConflict)
		case errors.Is(err, sql.ErrNoRows) && !create:
			return fmt.Errorf("ticket type %s: %w", t.Name, store.ErrNotFound)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if create {
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO ticket_types (name, label_zh, label_en, flow, fields, builtin, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), t.Name, t.LabelZH, t.LabelEN, t.Flow, string(fields), false, ts(time.Now()))
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE ticket_types SET label_zh = ?, label_en = ?, flow = ?, fields = ? WHERE name = ?`),
			t.LabelZH, t.LabelEN, t.Flow, string(fields), t.Name)
		return err
	})
}
