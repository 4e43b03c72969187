package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// workedStatuses are the statuses of a ticket still being worked (confirmed
// requirements too: a repeated wish counts toward the confirmed one).
var workedStatuses = []any{string(model.TicketAccepted), string(model.TicketConfirmed), string(model.TicketInProgress), string(model.TicketWaiting)}

// DuplicateCandidates lists the open, older tickets a new one may repeat.
func (db *DB) DuplicateCandidates(ctx context.Context, c store.DuplicateCandidates) ([]model.Ticket, error) {
	w := &where{}
	w.add("t.id < ?", c.TicketID)
	w.add("t.type = ?", c.Type)
	w.add("t.status IN ("+placeholders(len(workedStatuses))+")", workedStatuses...)
	w.add("t.created_at >= ?", ts(c.Since))
	if c.TeamID != 0 {
		w.add("(t.org_unit_id = ? OR t.team_id = ?)", c.OrgUnitID, c.TeamID)
	} else {
		w.add("t.org_unit_id = ?", c.OrgUnitID)
	}
	w.add("NOT EXISTS (SELECT 1 FROM ticket_duplicates d WHERE d.ticket_id = t.id)")
	q := `SELECT ` + ticketCols + ` FROM tickets t WHERE ` + w.sql() + fmt.Sprintf(` ORDER BY t.id DESC LIMIT %d`, max(c.Limit, 1))
	return db.queryTickets(ctx, db.read, q, w.args)
}

// lockedTicket is what linking needs of a ticket whose row it holds.
type lockedTicket struct {
	id, number int64
	status     model.TicketStatus
	survivor   int64 // the ticket it is a duplicate of, 0 if none
}

// lockTicket takes a ticket's row lock (PostgreSQL; SQLite has one writer)
// and reads its status and link.
func (db *DB) lockTicket(ctx context.Context, tx *sql.Tx, id int64) (lockedTicket, error) {
	lock := ""
	if db.d.Name() == "postgres" {
		lock = " FOR UPDATE"
	}
	lt := lockedTicket{id: id}
	err := tx.QueryRowContext(ctx, db.q(`SELECT number, status FROM tickets WHERE id = ?`+lock), id).Scan(&lt.number, &lt.status)
	if err != nil {
		return lt, notFound(err, "ticket", id)
	}
	err = tx.QueryRowContext(ctx, db.q(`SELECT survivor_id FROM ticket_duplicates WHERE ticket_id = ?`), id).Scan(&lt.survivor)
	if err == sql.ErrNoRows {
		err = nil
	}
	return lt, err
}

// LinkDuplicate links l.TicketID to the root of l.SurvivorID.
func (db *DB) LinkDuplicate(ctx context.Context, l store.LinkDuplicate) (model.DuplicateLink, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	link := model.DuplicateLink{TicketID: l.TicketID, Score: l.Score, LinkedBy: l.ActorID, LinkedAt: now}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Lock in id order, so two merges of the same pair cannot deadlock.
		first, second := min(l.TicketID, l.SurvivorID), max(l.TicketID, l.SurvivorID)
		a, err := db.lockTicket(ctx, tx, first)
		if err != nil {
			return err
		}
		b, err := db.lockTicket(ctx, tx, second)
		if err != nil {
			return err
		}
		dup, root := a, b
		if dup.id != l.TicketID {
			dup, root = b, a
		}
		if root, err = db.lockRoot(ctx, tx, root); err != nil {
			return err
		}
		if err := checkLink(dup, root); err != nil {
			return err
		}
		if l.Check {
			if ok, err := db.markChecked(ctx, tx, dup.id, store.DupeLinked); err != nil || !ok {
				return cmp.Or(err, store.ErrDupeChecked)
			}
		}
		link.SurvivorID = root.id
		return db.writeLink(ctx, tx, link, dup, root, l.Note)
	})
	if err != nil {
		return link, fmt.Errorf("link ticket %d to %d: %w", l.TicketID, l.SurvivorID, err)
	}
	return link, nil
}

// lockRoot follows links from t to the ticket that is no duplicate,
// locking each. Links point at roots, so this is one hop unless a merge
// committed meanwhile.
func (db *DB) lockRoot(ctx context.Context, tx *sql.Tx, t lockedTicket) (lockedTicket, error) {
	for range 16 {
		if t.survivor == 0 {
			return t, nil
		}
		next, err := db.lockTicket(ctx, tx, t.survivor)
		if err != nil {
			return t, err
		}
		t = next
	}
	return t, fmt.Errorf("ticket %d: duplicate chain too long: %w", t.id, store.ErrDuplicateCycle)
}

func checkLink(dup, root lockedTicket) error {
	switch {
	case dup.id == root.id:
		return fmt.Errorf("%s: %w", model.TicketKey(dup.number), store.ErrDuplicateCycle)
	case dup.survivor != 0:
		return fmt.Errorf("%s is a duplicate of ticket %d: %w", model.TicketKey(dup.number), dup.survivor, store.ErrAlreadyDuplicate)
	case root.status == model.TicketClosed || root.status == model.TicketCancelled:
		return fmt.Errorf("%s is %s: %w", model.TicketKey(root.number), root.status, store.ErrSurvivorClosed)
	}
	return nil
}

// writeLink stores the link, moves dup's own duplicates to root, closes
// dup unless it is final already, and notes both histories.
func (db *DB) writeLink(ctx context.Context, tx *sql.Tx, link model.DuplicateLink, dup, root lockedTicket, note string) error {
	at := ts(link.LinkedAt)
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO ticket_duplicates (ticket_id, survivor_id, score, linked_by, linked_at) VALUES (?, ?, ?, ?, ?)`,
			[]any{dup.id, root.id, link.Score, nullID(link.LinkedBy), at}},
		{`UPDATE ticket_duplicates SET survivor_id = ? WHERE survivor_id = ?`, []any{root.id, dup.id}},
		{`UPDATE ticket_dup_suggestions SET state = ?, decided_by = ?, decided_at = ? WHERE ticket_id = ? AND state = ?`,
			[]any{model.SuggestionAccepted, nullID(link.LinkedBy), at, dup.id, model.SuggestionOpen}},
		{`DELETE FROM ticket_queue WHERE ticket_id = ?`, []any{dup.id}},
		// A survivor without a conversation of its own is owed a pass of
		// the closed loop (its duplicates' requesters hear of it): -1 is
		// below any version and any mirror the loop has seen.
		{`UPDATE tickets SET loop_version = -1 WHERE id = ? AND requester_conversation_id IS NULL`, []any{root.id}},
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, db.q(s.q), s.args...); err != nil {
			return err
		}
	}
	changes := []model.TicketChange{
		{TicketID: dup.id, Field: "duplicate_of", To: model.TicketKey(root.number), Note: note},
		{TicketID: root.id, Field: "duplicate", To: model.TicketKey(dup.number), Note: fmt.Sprintf("similarity %.2f", link.Score)},
	}
	if dup.status != model.TicketClosed && dup.status != model.TicketCancelled {
		_, err := tx.ExecContext(ctx, db.q(`UPDATE tickets SET status = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`),
			string(model.TicketClosed), at, at, dup.id)
		if err != nil {
			return err
		}
		changes = append(changes, model.TicketChange{TicketID: dup.id, Field: "status", From: string(dup.status), To: string(model.TicketClosed), Note: note})
	}
	for i := range changes {
		changes[i].At, changes[i].ActorID = link.LinkedAt, link.LinkedBy
	}
	return db.appendHistory(ctx, tx, changes)
}

// DuplicateOf returns the link of a duplicate ticket.
func (db *DB) DuplicateOf(ctx context.Context, ticketID int64) (model.DuplicateLink, bool, error) {
	links, err := db.links(ctx, `WHERE ticket_id = ?`, ticketID)
	if err != nil || len(links) == 0 {
		return model.DuplicateLink{}, false, err
	}
	return links[0], true, nil
}

// Duplicates lists the duplicates of a survivor.
func (db *DB) Duplicates(ctx context.Context, survivorID int64) ([]model.DuplicateLink, error) {
	return db.links(ctx, `WHERE survivor_id = ? ORDER BY linked_at, ticket_id`, survivorID)
}

func (db *DB) links(ctx context.Context, cond string, arg int64) ([]model.DuplicateLink, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT ticket_id, survivor_id, score, COALESCE(linked_by, 0), linked_at
		FROM ticket_duplicates `+cond), arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.DuplicateLink{}
	for rows.Next() {
		var l model.DuplicateLink
		var at int64
		if err := rows.Scan(&l.TicketID, &l.SurvivorID, &l.Score, &l.LinkedBy, &at); err != nil {
			return nil, err
		}
		l.LinkedAt = fromTS(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Mentions counts the survivor and its duplicates and their requesters.
func (db *DB) Mentions(ctx context.Context, survivorID int64) (model.Mentions, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT t.id, t.number, COALESCE(t.requester_person_id, 0), t.requester_name
		FROM tickets t WHERE t.id = ? OR t.id IN (SELECT ticket_id FROM ticket_duplicates WHERE survivor_id = ?) ORDER BY t.id`),
		survivorID, survivorID)
	if err != nil {
		return model.Mentions{}, err
	}
	defer rows.Close()
	m := model.Mentions{People: []model.Mentioner{}}
	seen := map[int64]bool{}
	for rows.Next() {
		var p model.Mentioner
		var number int64
		if err := rows.Scan(&p.TicketID, &number, &p.PersonID, &p.Name); err != nil {
			return m, err
		}
		m.Count++
		p.Key = model.TicketKey(number)
		if p.PersonID != 0 && !seen[p.PersonID] {
			seen[p.PersonID] = true
			m.People = append(m.People, p)
		}
	}
	return m, rows.Err()
}

// withCount scans a ticket row followed by one more integer column.
type withCount struct {
	rows *sql.Rows
	n    *int
}

func (w withCount) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.n)...) }

// MostMentioned lists tickets that are no duplicate by mention count.
func (db *DB) MostMentioned(ctx context.Context, scope store.TicketScope, f store.TicketFilter) ([]store.MentionedTicket, error) {
	w := &where{}
	addTicketScope(w, scope)
	addTicketFilter(w, f)
	w.add("NOT EXISTS (SELECT 1 FROM ticket_duplicates d WHERE d.ticket_id = t.id)")
	q := `SELECT ` + ticketCols + `, COALESCE(m.n, 0) + 1 FROM tickets t
		LEFT JOIN (SELECT survivor_id, COUNT(*) AS n FROM ticket_duplicates GROUP BY survivor_id) m ON m.survivor_id = t.id
		WHERE ` + w.sql() + fmt.Sprintf(` ORDER BY COALESCE(m.n, 0) DESC, t.id LIMIT %d`, max(f.Limit, 1))
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(q), w.args...)
	if err != nil {
		return nil, fmt.Errorf("most mentioned: %w", err)
	}
	var found []model.Ticket
	var counts []int
	for rows.Next() {
		var n int
		t, err := db.scanTicket(withCount{rows, &n})
		if err != nil {
			rows.Close()
			return nil, err
		}
		found, counts = append(found, t), append(counts, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := db.loadTicketSets(ctx, db.read, found); err != nil {
		return nil, err
	}
	out := make([]store.MentionedTicket, len(found))
	for i := range found {
		out[i] = store.MentionedTicket{Ticket: found[i], MentionCount: counts[i]}
	}
	return out, nil
}
