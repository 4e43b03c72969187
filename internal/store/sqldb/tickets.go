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

const ticketCols = `t.id, t.number, t.type, t.title, t.description, t.status, t.priority, t.score, t.factors, t.explanation,
	COALESCE(t.requester_person_id, 0), t.requester_name, COALESCE(t.requester_channel_id, 0),
	COALESCE(t.requester_conversation_id, 0), t.requester_external_id, t.org_unit_id, COALESCE(t.team_id, 0),
	COALESCE(t.assignee_id, 0), t.category, t.fields, t.due_at, COALESCE(t.created_by, 0), t.version,
	t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.csat`

// errSourceTaken: a concurrent creation took one of the source messages first.
var errSourceTaken = errors.New("source message taken")

func (db *DB) scanTicket(row interface{ Scan(...any) error }) (model.Ticket, error) {
	var t model.Ticket
	var factors, expl, fields string
	var desc []byte
	var due, created, updated, resolved, closed int64
	r := &t.Requester
	err := row.Scan(&t.ID, &t.Number, &t.Type, &t.Title, &desc, &t.Status, &t.Priority, &t.Score, &factors, &expl,
		&r.PersonID, &r.Name, &r.ChannelID, &r.ConversationID, &r.ExternalID, &t.OrgUnitID, &t.TeamID,
		&t.AssigneeID, &t.Category, &fields, &due, &t.CreatedBy, &t.Version, &created, &updated, &resolved, &closed, &t.CSAT)
	if err != nil {
		return t, err
	}
	for _, j := range []struct {
		src string
		dst any
	}{{factors, &t.Factors}, {expl, &t.Explanation}, {fields, &t.Fields}} {
		if err := json.Unmarshal([]byte(j.src), j.dst); err != nil {
			return t, fmt.Errorf("ticket %d: decode: %w", t.ID, err)
		}
	}
	plain, err := db.open(desc)
	if err != nil {
		return t, fmt.Errorf("ticket %d: description: %w", t.ID, err)
	}
	t.Description = string(plain)
	t.Key = model.TicketKey(t.Number)
	t.DueAt, t.CreatedAt, t.UpdatedAt = fromTS(due), fromTS(created), fromTS(updated)
	t.ResolvedAt, t.ClosedAt = fromTS(resolved), fromTS(closed)
	t.Tags, t.Watchers = []string{}, []int64{}
	if t.Fields == nil {
		t.Fields = map[string]string{}
	}
	return t, nil
}

// ticketValues are the columns an insert and an update both write, in the
// order of ticketWriteCols. The description is sealed: it is usually the
// customer's message, which is encrypted at rest in messages too.
func (db *DB) ticketValues(t *model.Ticket) ([]any, error) {
	factors, err := json.Marshal(t.Factors)
	if err != nil {
		return nil, err
	}
	expl, err := json.Marshal(t.Explanation)
	if err != nil {
		return nil, err
	}
	fields := t.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	fj, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	r := t.Requester
	return []any{t.Type, t.Title, db.seal([]byte(t.Description)), string(t.Status), t.Priority, t.Score, string(factors), string(expl),
		nullID(r.PersonID), r.Name, nullID(r.ChannelID), nullID(r.ConversationID), r.ExternalID,
		t.OrgUnitID, nullID(t.TeamID), nullID(t.AssigneeID), t.Category, string(fj), ts(t.DueAt),
		ts(t.UpdatedAt), ts(t.ResolvedAt), ts(t.ClosedAt), t.CSAT}, nil
}

var ticketWriteCols = strings.Fields(`type title description status priority score factors explanation
	requester_person_id requester_name requester_channel_id requester_conversation_id requester_external_id
	org_unit_id team_id assignee_id category fields due_at updated_at resolved_at closed_at csat`)

// CreateTicket stores a new ticket, or returns the one its sources belong to.
func (db *DB) CreateTicket(ctx context.Context, nt store.NewTicket) (model.Ticket, bool, error) {
	if t, ok, err := db.ticketOfSources(ctx, db.read, nt.Sources); ok || err != nil {
		return t, false, err
	}
	t := nt.Ticket
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.insertTicket(ctx, tx, &t, nt) })
	if errors.Is(err, errSourceTaken) {
		// Lost the race for a source: the winner has committed by now.
		t, ok, err := db.ticketOfSources(ctx, db.write, nt.Sources)
		if err == nil && !ok {
			err = fmt.Errorf("create ticket: source taken but no ticket found: %w", store.ErrConflict)
		}
		return t, false, err
	}
	if err != nil {
		return model.Ticket{}, false, fmt.Errorf("create ticket: %w", err)
	}
	return t, true, nil
}

func (db *DB) insertTicket(ctx context.Context, tx *sql.Tx, t *model.Ticket, nt store.NewTicket) error {
	// One counter row, upserted: the row lock (PostgreSQL) or the single
	// writer (SQLite) hands every number out once across all nodes.
	err := tx.QueryRowContext(ctx, `INSERT INTO ticket_counter (id, value) VALUES (1, 1001)
		ON CONFLICT (id) DO UPDATE SET value = ticket_counter.value + 1 RETURNING value`).Scan(&t.Number)
	if err != nil {
		return fmt.Errorf("next number: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	t.CreatedAt, t.UpdatedAt, t.Version, t.CreatedBy = now, now, 1, nt.ActorID
	t.Key = model.TicketKey(t.Number)
	vals, err := db.ticketValues(t)
	if err != nil {
		return err
	}
	cols := append([]string{"number", "created_by", "version", "created_at"}, ticketWriteCols...)
	args := append([]any{t.Number, nullID(nt.ActorID), t.Version, ts(now)}, vals...)
	q := `INSERT INTO tickets (` + strings.Join(cols, ", ") + `) VALUES ` + tuple(len(cols)) + ` RETURNING id`
	if err := tx.QueryRowContext(ctx, db.q(q), args...).Scan(&t.ID); err != nil {
		return err
	}
	for _, s := range nt.Sources {
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_sources (message_id, ticket_id, channel_id, conversation_id, added_by, added_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`), s.MessageID, t.ID, s.ChannelID, s.ConversationID, nullID(nt.ActorID), ts(now))
		if err != nil {
			return fmt.Errorf("source message %d: %w", s.MessageID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errSourceTaken
		}
	}
	if err := db.writeTicketSets(ctx, tx, t); err != nil {
		return err
	}
	created := model.TicketChange{TicketID: t.ID, At: now, ActorID: nt.ActorID, Field: "created", To: string(t.Status)}
	return db.appendHistory(ctx, tx, []model.TicketChange{created})
}

// ticketOfSources finds the ticket any of sources already belongs to.
func (db *DB) ticketOfSources(ctx context.Context, q Querier, sources []model.TicketSource) (model.Ticket, bool, error) {
	if len(sources) == 0 {
		return model.Ticket{}, false, nil
	}
	args := make([]any, len(sources))
	for i, s := range sources {
		args[i] = s.MessageID
	}
	rows, err := q.QueryContext(ctx, db.d.Rebind(`SELECT DISTINCT ticket_id FROM ticket_sources WHERE message_id IN (`+placeholders(len(args))+`)`), args...)
	if err != nil {
		return model.Ticket{}, false, err
	}
	var found []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return model.Ticket{}, false, err
		}
		found = append(found, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(found) == 0 {
		return model.Ticket{}, false, err
	}
	if len(found) > 1 {
		return model.Ticket{}, false, fmt.Errorf("source messages belong to tickets %v: %w", found, store.ErrConflict)
	}
	t, err := db.getTicket(ctx, q, store.TicketScope{All: true}, found[0])
	return t, err == nil, err
}

// GetTicket returns a ticket in scope.
func (db *DB) GetTicket(ctx context.Context, scope store.TicketScope, id int64) (model.Ticket, error) {
	return db.getTicket(ctx, db.read, scope, id)
}

func (db *DB) getTicket(ctx context.Context, q Querier, scope store.TicketScope, id int64) (model.Ticket, error) {
	w := &where{}
	w.add("t.id = ?", id)
	addTicketScope(w, scope)
	found, err := db.queryTickets(ctx, q, `SELECT `+ticketCols+` FROM tickets t WHERE `+w.sql(), w.args)
	if err != nil {
		return model.Ticket{}, err
	}
	if len(found) == 0 {
		return model.Ticket{}, fmt.Errorf("ticket %d: %w", id, store.ErrNotFound)
	}
	return found[0], nil
}

// addTicketScope limits tickets to the caller's units, plus the ones they
// created, are assigned to or watch.
func addTicketScope(w *where, s store.TicketScope) {
	if s.All {
		return
	}
	var or []string
	var args []any
	if len(s.Units) > 0 {
		cond, a := scopeClause("t.org_unit_id", store.Scope{Units: s.Units})
		or, args = append(or, cond), append(args, a...)
		// The team a ticket is routed to works it, whichever unit raised it.
		cond, a = scopeClause("t.team_id", store.Scope{Units: s.Units})
		or, args = append(or, cond), append(args, a...)
	}
	if s.UserID != 0 {
		or = append(or, "t.created_by = ?", "t.assignee_id = ?", "t.id IN (SELECT ticket_id FROM ticket_watchers WHERE user_id = ?)")
		args = append(args, s.UserID, s.UserID, s.UserID)
	}
	if len(or) == 0 {
		w.add("1=0")
		return
	}
	w.add("("+strings.Join(or, " OR ")+")", args...)
}

// ListTickets returns tickets in scope, newest first.
func (db *DB) ListTickets(ctx context.Context, scope store.TicketScope, f store.TicketFilter) ([]model.Ticket, error) {
	q, args := listTicketsSQL(scope, f)
	return db.queryTickets(ctx, db.read, q, args)
}

func listTicketsSQL(scope store.TicketScope, f store.TicketFilter) (string, []any) {
	w := &where{}
	addTicketScope(w, scope)
	addTicketFilter(w, f)
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT ` + ticketCols + ` FROM tickets t`
	if len(w.conds) > 0 {
		q += ` WHERE ` + w.sql()
	}
	q += fmt.Sprintf(` ORDER BY t.id DESC LIMIT %d`, limit)
	return q, w.args
}

func addTicketFilter(w *where, f store.TicketFilter) {
	if len(f.Status) > 0 {
		args := make([]any, len(f.Status))
		for i, s := range f.Status {
			args[i] = string(s)
		}
		w.add("t.status IN ("+placeholders(len(args))+")", args...)
	}
	for _, c := range []struct {
		col string
		v   any
		set bool
	}{{"t.type = ?", f.Type, f.Type != ""}, {"t.priority = ?", f.Priority, f.Priority != ""},
		{"t.assignee_id = ?", f.AssigneeID, f.AssigneeID != 0}, {"t.requester_person_id = ?", f.RequesterID, f.RequesterID != 0},
		{"t.org_unit_id IN (SELECT descendant FROM org_unit_paths WHERE ancestor = ?)", f.OrgUnitID, f.OrgUnitID != 0},
		{"t.id < ?", f.Before, f.Before != 0},
		{"t.team_id = ?", f.TeamID, f.TeamID != 0}} {
		if c.set {
			w.add(c.col, c.v)
		}
	}
	if f.Unassigned {
		w.add("(t.assignee_id IS NULL OR t.assignee_id = 0)")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
		n, _ := model.ParseTicketKey(q)
		// The description is sealed, so the search box looks at titles and numbers.
		w.add(`(LOWER(t.title) LIKE ? ESCAPE '\' OR t.number = ?)`, like, n)
	}
	addSLAFilter(w, f)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (db *DB) queryTickets(ctx context.Context, q Querier, query string, args []any) ([]model.Ticket, error) {
	rows, err := q.QueryContext(ctx, db.d.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	out := []model.Ticket{}
	for rows.Next() {
		t, err := db.scanTicket(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadTicketSets(ctx, q, out)
}
