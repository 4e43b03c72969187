package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// body is the sealed part of a message row.
type body struct {
	Text        string             `json:"t"`
	Attachments []model.Attachment `json:"a,omitempty"`
}

// msgWriter writes one batch of messages inside a transaction with a
// handful of multi-row statements: conversations, identities, messages,
// counters, inbox marks and search terms each take one statement per
// rowsPerStatement rows, not one per message.
type msgWriter struct {
	db     *DB
	tx     Querier
	ctx    context.Context
	convs  map[key]int64    // conversation ids by (channel, external id)
	titles map[int64]string // stored conversation titles, for the search index
	ppl    map[key]int64    // person ids by (channel, sender external id)
	terms  map[int64]string // search.BodyTerms the caller computed, by message id
	cache  *writeCache      // nil: no write cache
	learn  learned          // for the cache, once the transaction commits
}

func (db *DB) newMsgWriter(ctx context.Context, tx *sql.Tx) *msgWriter {
	w := &msgWriter{db: db, tx: db.on(tx), ctx: ctx, convs: map[key]int64{}, titles: map[int64]string{}, ppl: map[key]int64{},
		terms: map[int64]string{}, cache: db.cache}
	if w.cache != nil {
		w.learn = learned{convs: map[key]convEntry{}, idents: map[key]identityRow{}}
	}
	return w
}

// remember hands what the batch learned to the write cache; it must run
// after the commit and before the next transaction (txThen's then).
func (w *msgWriter) remember() {
	if w.cache != nil {
		w.cache.remember(&w.learn)
	}
}

// afterCommit is the then of a transaction whose message writer is *w
// (nil until it exists), or nil without a write cache.
func (db *DB) afterCommit(w **msgWriter) func() {
	if db.cache == nil {
		return nil
	}
	return func() {
		if *w != nil {
			(*w).remember()
		}
	}
}

// convRow is one conversation as the batch wants it.
type convRow struct {
	key
	unit  int64
	title string
	first int64
}

// cmpKey orders keys by channel, then external id.
func cmpKey(a, b key) int {
	if c := cmp.Compare(a.channel, b.channel); c != 0 {
		return c
	}
	return cmp.Compare(a.ext, b.ext)
}

// conversations upserts every conversation the batch touches. A title is
// kept unless the batch brings a non-empty one (the last wins).
func (w *msgWriter) conversations(batch []store.NewMessage) error {
	var rows []*convRow
	byKey := map[key]*convRow{}
	for _, n := range batch {
		k := key{n.Envelope.ChannelID, n.Envelope.ConvID}
		r := byKey[k]
		if r == nil {
			r = &convRow{key: k, unit: n.OrgUnitID, first: ts(n.Envelope.SentAt)}
			byKey[k] = r
			rows = append(rows, r)
		}
		if n.Envelope.ConvTitle != "" {
			r.title = n.Envelope.ConvTitle
		}
	}
	// Lock rows in one global order: on PostgreSQL, batches of several
	// nodes upsert the same conversations at once, and two batches taking
	// them in arrival order deadlock.
	slices.SortFunc(rows, func(a, b *convRow) int { return cmpKey(a.key, b.key) })
	if w.cache != nil {
		// A known conversation the batch brings no new title for needs
		// no statement: the upsert would leave it as it is.
		var need []*convRow
		var changing []key
		for _, r := range rows {
			if e, ok := w.cache.conv(r.key); ok {
				if r.title == "" || r.title == e.title {
					w.convs[r.key], w.titles[e.id] = e.id, e.title
					continue
				}
				changing = append(changing, r.key)
			}
			need = append(need, r)
		}
		w.cache.forget(changing, nil)
		rows = need
		defer func() {
			for _, r := range rows {
				if id, ok := w.convs[r.key]; ok {
					w.learn.convs[r.key] = convEntry{id, w.titles[id]}
				}
			}
		}()
	}
	return chunked(rows, func(rows []*convRow) error {
		args := make([]any, 0, 5*len(rows))
		for _, r := range rows {
			args = append(args, r.channel, r.unit, r.ext, r.title, r.first)
		}
		q := `INSERT INTO conversations (channel_id, org_unit_id, external_id, title, last_message_at, message_count)
			VALUES ` + ValuesSQL(len(rows), "(?, ?, ?, ?, ?, 0)") + ` ON CONFLICT (channel_id, external_id) DO UPDATE
			SET title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE conversations.title END
			RETURNING id, channel_id, external_id, title`
		return w.scanKeys(w.db.d.Rebind(q), args, w.convs, w.titles)
	})
}

// scanKeys runs q and records the returned (id, channel, external id) rows;
// with extra, a fourth text column is recorded by id (the stored title,
// which the search index includes whether or not this batch brought it).
func (w *msgWriter) scanKeys(q string, args []any, into map[key]int64, extra ...map[int64]string) error {
	rows, err := w.tx.QueryContext(w.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k key
		var text string
		dst := []any{&id, &k.channel, &k.ext}
		if len(extra) > 0 {
			dst = append(dst, &text)
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		into[k] = id
		if len(extra) > 0 {
			extra[0][id] = text
		}
	}
	return rows.Err()
}

// people resolves every inbound sender to a person, creating people for
// identities seen for the first time and following renames.
func (w *msgWriter) people(batch []store.NewMessage) error {
	names := make(map[key]string, len(batch))
	var order []key
	for _, n := range batch {
		e := n.Envelope
		if e.SenderID == "" || n.Direction == model.Outbound {
			continue
		}
		k := key{e.ChannelID, e.SenderID}
		if _, ok := names[k]; !ok {
			order = append(order, k)
		}
		if e.SenderName != "" || names[k] == "" {
			names[k] = e.SenderName
		}
	}
	slices.SortFunc(order, cmpKey) // one lock order across nodes (see conversations)
	lookup, cached := order, make(map[key]identityRow, len(order))
	if w.cache != nil {
		lookup = nil
		for _, k := range order {
			if r, ok := w.cache.ident(k); ok {
				cached[k] = r
			} else {
				lookup = append(lookup, k)
			}
		}
	}
	known, err := w.identities(lookup)
	if err != nil {
		return err
	}
	for _, k := range order {
		cur, ok := known[k]
		hit := false
		if !ok {
			cur, hit = cached[k]
			ok = hit
		}
		created := false
		switch {
		case !ok:
			cur.id, created, err = w.newPerson(k, names[k])
			cur.name = cmp.Or(names[k], k.ext)
		case names[k] != "" && names[k] != cur.name:
			if w.cache != nil {
				w.cache.forget(nil, []key{k})
			}
			_, err = w.tx.ExecContext(w.ctx, w.db.q(`UPDATE identities SET name = ? WHERE channel_id = ? AND external_id = ?`), names[k], k.channel, k.ext)
			cur.name, hit = names[k], false
		}
		if err != nil {
			return fmt.Errorf("sender %d/%s: %w", k.channel, k.ext, err)
		}
		w.ppl[k] = cur.id
		if w.cache != nil && !hit && (ok || created) {
			w.learn.idents[k] = cur
		}
	}
	return nil
}

type identityRow struct {
	id   int64
	name string
}

// identities looks up existing identities in one statement per chunk.
func (w *msgWriter) identities(keys []key) (map[key]identityRow, error) {
	out := map[key]identityRow{}
	err := chunked(keys, func(keys []key) error {
		args := make([]any, 0, 2*len(keys))
		for _, k := range keys {
			args = append(args, k.channel, k.ext)
		}
		rows, err := w.tx.QueryContext(w.ctx, w.db.d.Rebind(`SELECT person_id, name, channel_id, external_id FROM identities
			WHERE (channel_id, external_id) IN (VALUES `+ValuesSQL(len(keys), "(CAST(? AS BIGINT), CAST(? AS TEXT))")+`)`), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r identityRow
			var k key
			if err := rows.Scan(&r.id, &r.name, &k.channel, &k.ext); err != nil {
				return err
			}
			out[k] = r
		}
		return rows.Err()
	})
	return out, err
}

// newPerson creates a person and the identity k with name (k's external
// id if empty); created is false if another node created the identity
// first, and id is then that identity's person.
func (w *msgWriter) newPerson(k key, name string) (id int64, created bool, err error) {
	if name == "" {
		name = k.ext
	}
	err = w.tx.QueryRowContext(w.ctx, w.db.q(`INSERT INTO people (name, email, created_at) VALUES (?, '', ?) RETURNING id`), name, ts(time.Now())).Scan(&id)
	if err != nil {
		return 0, false, err
	}
	res, err := w.tx.ExecContext(w.ctx, w.db.q(`INSERT INTO identities (person_id, channel_id, external_id, name) VALUES (?, ?, ?, ?)
		ON CONFLICT (channel_id, external_id) DO NOTHING`), id, k.channel, k.ext, name)
	if err != nil {
		return 0, false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return id, true, nil
	}
	// Another node's batch created this identity since we looked (PostgreSQL
	// lets batches run side by side): drop our person and use theirs, instead
	// of failing the whole batch on the unique key.
	if _, err := w.tx.ExecContext(w.ctx, w.db.q(`DELETE FROM people WHERE id = ?`), id); err != nil {
		return 0, false, err
	}
	err = w.tx.QueryRowContext(w.ctx, w.db.q(`SELECT person_id FROM identities WHERE channel_id = ? AND external_id = ?`), k.channel, k.ext).Scan(&id)
	return id, false, err
}
