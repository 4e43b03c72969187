package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

const messageCols = `m.id, m.channel_id, m.channel_kind, m.org_unit_id, m.conversation_id, m.external_id, m.direction,
	COALESCE(m.sender_id, 0), m.sender_name, m.kind, m.body, m.sent_at, m.received_at,
	EXISTS (SELECT 1 FROM stars s WHERE s.user_id = ? AND s.message_id = m.id),
	EXISTS (SELECT 1 FROM reads r WHERE r.user_id = ? AND r.message_id = m.id)`

// where collects conditions and their arguments in order.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) addScope(col string, s store.Scope) {
	cond, args := scopeClause(col, s)
	w.add(cond, args...)
}

// addMessageScope limits messages (m) to the scope's units and hides
// confidential ones outside its Secret units.
func (w *where) addMessageScope(s store.Scope) {
	w.addScope("m.org_unit_id", s)
	if cond, args := secretClause(s); cond != "1=1" {
		w.add(cond, args...)
	}
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

func messageWhere(scope store.Scope, f store.MessageFilter, d Dialect) (*where, error) {
	w := &where{}
	w.addMessageScope(scope)
	w.addClassFilters(f)
	if f.ChannelID != 0 {
		w.add("m.channel_id = ?", f.ChannelID)
	}
	if f.ConversationID != 0 {
		w.add("m.conversation_id = ?", f.ConversationID)
	}
	if f.SenderID != 0 {
		w.add("m.sender_id = ?", f.SenderID) // listBySender adds the window
	}
	if f.OrgUnitID != 0 {
		w.add("m.org_unit_id IN (SELECT descendant FROM org_unit_paths WHERE ancestor = ?)", f.OrgUnitID)
	}
	if f.Tag != "" {
		w.add("m.id IN (SELECT message_id FROM message_tags WHERE tag = ?)", f.Tag)
	}
	if f.Kind != "" {
		w.add("m.kind = ?", string(f.Kind))
	}
	if !f.Since.IsZero() {
		w.add("m.sent_at >= ?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("m.sent_at < ?", ts(f.Until))
	}
	if f.Starred {
		w.add("m.id IN (SELECT message_id FROM stars WHERE user_id = ?)", f.ViewerID)
	}
	if f.Before != 0 {
		w.add("m.id < ?", f.Before)
	}
	if f.After != 0 {
		w.add("m.id > ?", f.After)
	}
	// A query of only spaces has no terms; an empty MATCH is a syntax error.
	if terms := strings.Fields(f.Query); len(terms) > 0 {
		cond, args := d.MatchClause(terms, f.Before, f.After)
		w.add(cond, args...)
	}
	return w, nil
}

// ListMessages returns messages in scope matching f, newest first (oldest
// first after a cursor f.After).
func (db *DB) ListMessages(ctx context.Context, scope store.Scope, f store.MessageFilter) ([]model.Message, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.SenderID != 0 {
		return db.listBySender(ctx, scope, f)
	}
	w, err := messageWhere(scope, f, db.d)
	if err != nil {
		return nil, err
	}
	return db.listWhere(ctx, f, w)
}

func (db *DB) listWhere(ctx context.Context, f store.MessageFilter, w *where) ([]model.Message, error) {
	args := append([]any{f.ViewerID, f.ViewerID}, w.args...)
	args = append(args, f.Limit)
	order := "DESC"
	if f.After != 0 {
		order = "ASC"
	}
	q := `SELECT ` + messageCols + ` FROM messages m WHERE ` + w.sql() + ` ORDER BY m.id ` + order + ` LIMIT ?`
	return db.queryMessages(ctx, db.d.Rebind(q), args...)
}

// listBySender answers a sender filter without an index on
// messages.sender_id (see migration 003). person_conversations has a row
// per person, id window, conversation and org unit of the person's
// messages, written in the same transaction as each message; listBySender
// visits the person's windows in the list's order and, in each, reads the
// messages of only the conversations the person wrote in there, through
// messages_conversation, until the page is full. The rows narrow the scan
// to a superset of the person's messages and m.sender_id (and every other
// condition of messageWhere) still decides, so the result is the plain
// filter's; windows partition the ids, so the pages of consecutive windows
// concatenate in order. Scope, org unit and conversation filters prune
// rows first: a person none of whose messages the caller may see (the
// person page's check) costs a few index reads, not a scan.
func (db *DB) listBySender(ctx context.Context, scope store.Scope, f store.MessageFilter) ([]model.Message, error) {
	width := db.senderWindow
	asc := f.After != 0
	pc := &where{}
	pc.add("pc.person_id = ?", f.SenderID)
	pc.addScope("pc.org_unit_id", scope)
	if f.OrgUnitID != 0 {
		pc.add("pc.org_unit_id IN (SELECT descendant FROM org_unit_paths WHERE ancestor = ?)", f.OrgUnitID)
	}
	if f.ConversationID != 0 {
		pc.add("pc.conversation_id = ?", f.ConversationID)
	}
	// Windows at or after (before) the cursor's, one at a time, the next one
	// found from the key (person_id, id_window, …).
	step := db.d.Rebind(`SELECT pc.id_window FROM person_conversations pc WHERE ` + pc.sql() + ` AND pc.id_window <= ? ORDER BY pc.id_window DESC LIMIT 1`)
	next := int64(math.MaxInt64)
	if f.Before != 0 {
		next = (f.Before - 1) / width
	}
	if asc {
		step = db.d.Rebind(`SELECT pc.id_window FROM person_conversations pc WHERE ` + pc.sql() + ` AND pc.id_window >= ? ORDER BY pc.id_window LIMIT 1`)
		next = f.After / width
	}
	convs := `m.conversation_id IN (SELECT pc.conversation_id FROM person_conversations pc WHERE ` + pc.sql() + ` AND pc.id_window = ?)`
	out := []model.Message{}
	for len(out) < f.Limit && next >= 0 {
		var win int64
		err := db.read.QueryRowContext(ctx, step, append(slices.Clip(pc.args), next)...).Scan(&win)
		if err == sql.ErrNoRows {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list messages: sender windows: %w", err)
		}
		if asc && f.Before != 0 && win*width >= f.Before {
			break
		}
		g := f
		g.Limit = f.Limit - len(out)
		w, err := messageWhere(scope, g, db.d)
		if err != nil {
			return nil, err
		}
		w.add("m.id >= ? AND m.id < ?", win*width, (win+1)*width)
		w.add(convs, append(slices.Clip(pc.args), win)...)
		page, err := db.listWhere(ctx, g, w)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next = win - 1; asc {
			next = win + 1
		}
	}
	return out, nil
}

// GetMessage returns one message if it is in scope.
func (db *DB) GetMessage(ctx context.Context, scope store.Scope, id, viewerID int64) (model.Message, error) {
	w := &where{}
	w.add("m.id = ?", id)
	w.addMessageScope(scope)
	args := append([]any{viewerID, viewerID}, w.args...)
	ms, err := db.queryMessages(ctx, db.d.Rebind(`SELECT `+messageCols+` FROM messages m WHERE `+w.sql()), args...)
	if err != nil {
		return model.Message{}, err
	}
	if len(ms) == 0 {
		return model.Message{}, fmt.Errorf("message %d: %w", id, store.ErrNotFound)
	}
	return ms[0], nil
}

func (db *DB) queryMessages(ctx context.Context, q string, args ...any) ([]model.Message, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := []model.Message{}
	for rows.Next() {
		var m model.Message
		var sealed []byte
		var sent, recv int64
		if err := rows.Scan(&m.ID, &m.ChannelID, &m.ChannelKind, &m.OrgUnitID, &m.ConversationID, &m.ExternalID, &m.Direction,
			&m.SenderID, &m.SenderName, &m.Kind, &sealed, &sent, &recv, &m.Starred, &m.Read); err != nil {
			return nil, err
		}
		m.SentAt, m.ReceivedAt = fromTS(sent), fromTS(recv)
		raw, err := db.open(sealed)
		if err != nil {
			return nil, fmt.Errorf("message %d body: %w", m.ID, err)
		}
		var b body
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("message %d body: %w", m.ID, err)
		}
		m.Text, m.Attachments, m.Tags = b.Text, b.Attachments, []string{}
		if m.Attachments == nil {
			m.Attachments = []model.Attachment{}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := db.loadClasses(ctx, out); err != nil {
		return nil, err
	}
	return out, db.loadTags(ctx, out)
}

func (db *DB) loadTags(ctx context.Context, ms []model.Message) error {
	if len(ms) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		idx[m.ID] = i
		args[i] = m.ID
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT message_id, tag FROM message_tags WHERE message_id IN (`+placeholders(len(args))+`) ORDER BY tag`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		ms[idx[id]].Tags = append(ms[idx[id]].Tags, tag)
	}
	return rows.Err()
}

const convCols = `id, channel_id, org_unit_id, external_id, title, last_message_at, message_count`

// ListConversations returns conversations in scope, most recent first.
func (db *DB) ListConversations(ctx context.Context, scope store.Scope, channelID int64, limit int) ([]model.Conversation, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	w := &where{}
	w.addScope("org_unit_id", scope)
	if channelID != 0 {
		w.add("channel_id = ?", channelID)
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+convCols+` FROM conversations WHERE `+w.sql()+` ORDER BY last_message_at DESC, id DESC LIMIT ?`), append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Conversation{}
	for rows.Next() {
		c, err := scanConv(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanConv(row interface{ Scan(...any) error }) (model.Conversation, error) {
	var c model.Conversation
	var last int64
	err := row.Scan(&c.ID, &c.ChannelID, &c.OrgUnitID, &c.ExternalID, &c.Title, &last, &c.MessageCount)
	c.LastMessageAt = fromTS(last)
	return c, err
}

// GetConversation returns a conversation if it is in scope.
func (db *DB) GetConversation(ctx context.Context, scope store.Scope, id int64) (model.Conversation, error) {
	cond, args := scopeClause("org_unit_id", scope)
	c, err := scanConv(db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT `+convCols+` FROM conversations WHERE id = ? AND `+cond), append([]any{id}, args...)...))
	return c, notFound(err, "conversation", id)
}

// GetPerson returns a person and their identities.
func (db *DB) GetPerson(ctx context.Context, id int64) (model.Person, []model.Identity, error) {
	var p model.Person
	var created int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, name, email, COALESCE(org_unit_id, 0), created_at FROM people WHERE id = ?`), id).
		Scan(&p.ID, &p.Name, &p.Email, &p.OrgUnitID, &created)
	if err != nil {
		return p, nil, notFound(err, "person", id)
	}
	p.CreatedAt = fromTS(created)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, person_id, channel_id, external_id, name FROM identities WHERE person_id = ? ORDER BY id`), id)
	if err != nil {
		return p, nil, err
	}
	defer rows.Close()
	ids := []model.Identity{}
	for rows.Next() {
		var i model.Identity
		if err := rows.Scan(&i.ID, &i.PersonID, &i.ChannelID, &i.ExternalID, &i.Name); err != nil {
			return p, nil, err
		}
		ids = append(ids, i)
	}
	return p, ids, rows.Err()
}

// CountMessages counts all stored messages.
func (db *DB) CountMessages(ctx context.Context) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages`).Scan(&n)
	return n, err
}

// IDBounds is the part of a dialect's MatchClause that bounds the index
// lookup by a page's cursor: col < below and col > above, each when set.
func IDBounds(col string, below, above int64) (string, []any) {
	var cond string
	var args []any
	if below != 0 {
		cond, args = cond+" AND "+col+" < ?", append(args, below)
	}
	if above != 0 {
		cond, args = cond+" AND "+col+" > ?", append(args, above)
	}
	return cond, args
}
