package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// SuggestDuplicates stores open suggestions, keeping pairs already there
// (a dismissed one stays dismissed).
func (db *DB) SuggestDuplicates(ctx context.Context, ticketID int64, s []model.DuplicateSuggestion) error {
	if len(s) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return db.insertSuggestions(ctx, tx, ticketID, s) })
}

func (db *DB) insertSuggestions(ctx context.Context, tx *sql.Tx, ticketID int64, s []model.DuplicateSuggestion) error {
	now := ts(time.Now())
	for _, x := range s {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_dup_suggestions (ticket_id, candidate_id, score, state, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (ticket_id, candidate_id) DO NOTHING`), ticketID, x.CandidateID, x.Score, model.SuggestionOpen, now)
		if err != nil {
			return fmt.Errorf("suggest %d for ticket %d: %w", x.CandidateID, ticketID, err)
		}
	}
	return nil
}

// DuplicateSuggestions lists a ticket's open suggestions, best first.
func (db *DB) DuplicateSuggestions(ctx context.Context, ticketID int64) ([]model.DuplicateSuggestion, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT s.ticket_id, s.candidate_id, c.number, c.title, c.status, s.score, s.state, s.created_at
		FROM ticket_dup_suggestions s JOIN tickets c ON c.id = s.candidate_id
		WHERE s.ticket_id = ? AND s.state = ? ORDER BY s.score DESC, s.candidate_id`), ticketID, model.SuggestionOpen)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.DuplicateSuggestion{}
	for rows.Next() {
		var s model.DuplicateSuggestion
		var number, at int64
		if err := rows.Scan(&s.TicketID, &s.CandidateID, &number, &s.Title, &s.Status, &s.Score, &s.State, &at); err != nil {
			return nil, err
		}
		s.Key, s.CreatedAt = model.TicketKey(number), fromTS(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// DecideSuggestion closes an open suggestion as accepted or dismissed.
func (db *DB) DecideSuggestion(ctx context.Context, ticketID, candidateID int64, state string, actorID int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE ticket_dup_suggestions SET state = ?, decided_by = ?, decided_at = ?
		WHERE ticket_id = ? AND candidate_id = ? AND state = ?`), state, nullID(actorID), ts(time.Now()), ticketID, candidateID, model.SuggestionOpen)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("open suggestion %d for ticket %d: %w", candidateID, ticketID, store.ErrNotFound)
	}
	return nil
}

// SplitTicket creates s.Ticket and moves the sources from s.From to it.
func (db *DB) SplitTicket(ctx context.Context, s store.SplitTicket) (model.Ticket, error) {
	t := s.Ticket
	err := db.tx(ctx, func(tx *sql.Tx) error {
		from, err := db.lockTicket(ctx, tx, s.From)
		if err != nil {
			return err
		}
		if err := db.insertTicket(ctx, tx, &t, store.NewTicket{Ticket: t, ActorID: s.ActorID}); err != nil {
			return err
		}
		// An agent split it off on purpose: the duplicate sweep must not merge it back.
		if _, err := db.markChecked(ctx, tx, t.ID, store.DupeSkipped); err != nil {
			return err
		}
		for _, m := range s.Sources {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE ticket_sources SET ticket_id = ?, added_by = ?, added_at = ?
				WHERE message_id = ? AND ticket_id = ?`), t.ID, nullID(s.ActorID), ts(t.CreatedAt), m, s.From)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("message %d is not a source of %s: %w", m, model.TicketKey(from.number), store.ErrConflict)
			}
		}
		msgs := strings.Trim(fmt.Sprint(s.Sources), "[]")
		return db.appendHistory(ctx, tx, []model.TicketChange{
			{TicketID: s.From, At: t.CreatedAt, ActorID: s.ActorID, Field: "split", To: t.Key, Note: "messages " + msgs},
			{TicketID: t.ID, At: t.CreatedAt, ActorID: s.ActorID, Field: "split_from", From: model.TicketKey(from.number), Note: "messages " + msgs},
		})
	})
	if err != nil {
		return t, fmt.Errorf("split ticket %d: %w", s.From, err)
	}
	return t, nil
}

const duplicatesSetting = "duplicates"

// DuplicateSettings returns the stored duplicate detection settings.
func (db *DB) DuplicateSettings(ctx context.Context) (model.DuplicateSettings, bool, error) {
	var s model.DuplicateSettings
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM ticket_settings WHERE name = ?`), duplicatesSetting).Scan(&v)
	if err == sql.ErrNoRows {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	return s, true, json.Unmarshal([]byte(v), &s)
}

// SetDuplicateSettings stores the settings whole.
func (db *DB) SetDuplicateSettings(ctx context.Context, s model.DuplicateSettings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), duplicatesSetting, string(b), ts(time.Now()))
	return err
}
