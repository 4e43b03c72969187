package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
)

// messages inserts the batch's messages and returns those newly stored, in
// batch order. A message whose (channel, external id) exists is skipped.
func (w *msgWriter) messages(batch []store.NewMessage) ([]model.Message, error) {
	var fresh []model.Message
	err := chunked(batch, func(chunk []store.NewMessage) error {
		args := make([]any, 0, 12*len(chunk))
		for _, n := range chunk {
			e := n.Envelope
			raw, err := json.Marshal(body{Text: e.Text, Attachments: e.Attachments})
			if err != nil {
				return err
			}
			var sender any
			if id := w.ppl[key{e.ChannelID, e.SenderID}]; id != 0 && n.Direction != model.Outbound {
				sender = id
			}
			args = append(args, e.ChannelID, n.Kind, n.OrgUnitID, w.convs[key{e.ChannelID, e.ConvID}], e.ExternalID,
				string(n.Direction), sender, e.SenderName, string(e.Kind), w.db.seal(raw), ts(e.SentAt), ts(e.ReceivedAt))
		}
		ids := map[key]int64{}
		q := `INSERT INTO messages (channel_id, channel_kind, org_unit_id, conversation_id, external_id, direction,
			sender_id, sender_name, kind, body, sent_at, received_at) VALUES ` + ValuesSQL(len(chunk), tuple(12)) +
			` ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id, channel_id, external_id`
		if err := w.scanKeys(w.db.d.Rebind(q), args, ids); err != nil {
			return err
		}
		for _, n := range chunk {
			k := key{n.Envelope.ChannelID, n.Envelope.ExternalID}
			if id, ok := ids[k]; ok {
				delete(ids, k) // a repeat later in the batch is a duplicate
				if n.Terms != "" {
					w.terms[id] = n.Terms
				}
				m := w.message(id, n)
				if fn := w.db.annotator(); fn != nil && m.Direction == model.Inbound {
					fn(&m)
				}
				fresh = append(fresh, m)
			}
		}
		return nil
	})
	return fresh, err
}

func (w *msgWriter) message(id int64, n store.NewMessage) model.Message {
	e := n.Envelope
	m := model.Message{ID: id, ChannelID: e.ChannelID, ChannelKind: n.Kind, OrgUnitID: n.OrgUnitID,
		ConversationID: w.convs[key{e.ChannelID, e.ConvID}], ExternalID: e.ExternalID, Direction: n.Direction,
		SenderName: e.SenderName, Kind: e.Kind, Text: e.Text, Attachments: e.Attachments, Tags: []string{},
		SentAt: fromTS(ts(e.SentAt)), ReceivedAt: fromTS(ts(e.ReceivedAt))}
	if n.Direction != model.Outbound {
		m.SenderID = w.ppl[key{e.ChannelID, e.SenderID}]
	}
	if m.Attachments == nil {
		m.Attachments = []model.Attachment{}
	}
	return m
}

// finish updates the counters of each conversation once, marks inbox
// rows done and writes search terms — last, because SQLite's FTS5 flushes
// a segment whenever another statement starts after index writes.
func (w *msgWriter) finish(fresh []model.Message, batch []store.NewMessage) error {
	type bump struct{ count, last int64 }
	bumps := map[int64]*bump{}
	for _, m := range fresh {
		b := bumps[m.ConversationID]
		if b == nil {
			b = &bump{}
			bumps[m.ConversationID] = b
		}
		b.count++
		b.last = max(b.last, ts(m.SentAt))
	}
	// One statement per chunk of conversations, not one per conversation.
	// On PostgreSQL the rows are locked already, in one order, by the
	// upsert in conversations (which the write cache, SQLite only, skips).
	args := make([]any, 0, 3*len(bumps))
	for _, id := range slices.Sorted(maps.Keys(bumps)) {
		args = append(args, id, bumps[id].count, bumps[id].last)
	}
	err := chunked(args, func(args []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`UPDATE conversations SET message_count = message_count + v.column2,
			last_message_at = CASE WHEN last_message_at > v.column3 THEN last_message_at ELSE v.column3 END
			FROM (VALUES `+ValuesSQL(len(args)/3, "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))")+`) AS v
			WHERE conversations.id = v.column1`), args...)
		return err
	}, 3)
	if err != nil {
		return fmt.Errorf("conversation counters: %w", err)
	}
	var done []any
	for _, n := range batch {
		if n.InboxID != 0 {
			done = append(done, n.InboxID)
		}
	}
	err = chunked(done, func(ids []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`UPDATE inbox SET done = 1 WHERE id IN (`+placeholders(len(ids))+`)`), ids...)
		return err
	})
	if err != nil {
		return fmt.Errorf("inbox done: %w", err)
	}
	if err := w.senders(fresh); err != nil {
		return fmt.Errorf("person conversations: %w", err)
	}
	if err := w.tags(fresh); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	if err := w.classes(fresh); err != nil {
		return fmt.Errorf("message class: %w", err)
	}
	if err := w.intents(fresh); err != nil {
		return fmt.Errorf("notify intents: %w", err)
	}
	titles := map[int64]string{} // the terms of each conversation's title
	return chunked(fresh, func(ms []model.Message) error {
		ids, terms := make([]int64, len(ms)), make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
			body, ok := w.terms[m.ID]
			if !ok {
				body = search.BodyTerms(m.Text, m.SenderName)
			}
			title, ok := titles[m.ConversationID]
			if !ok {
				title = search.IndexText(w.titles[m.ConversationID])
				titles[m.ConversationID] = title
			}
			terms[i] = search.JoinTerms(body, title)
		}
		return w.db.d.IndexMessages(w.ctx, w.tx, ids, terms)
	})
}

// senders records the person, id window, conversation and org unit of
// every fresh message with a sender in person_conversations, which sender
// filters read (listBySender). Once a person has written in a conversation
// in the current window the row exists, and the insert only reads; an index
// on messages.sender_id instead took an entry at each sender's place in
// every commit, one dirty page per distinct sender of the batch.
func (w *msgWriter) senders(fresh []model.Message) error {
	seen := make(map[senderRow]bool, len(fresh))
	var rows []senderRow
	for _, m := range fresh {
		if m.SenderID == 0 {
			continue
		}
		r := senderRow{m.SenderID, m.ID / w.db.senderWindow, m.ConversationID, m.OrgUnitID}
		if !seen[r] && (w.cache == nil || !w.cache.sender(r)) {
			seen[r] = true
			rows = append(rows, r)
		}
	}
	if w.cache != nil {
		w.learn.senders = rows
	}
	// One order across nodes for the unique key's insert locks (see conversations).
	slices.SortFunc(rows, func(a, b senderRow) int {
		return cmp.Or(cmp.Compare(a.person, b.person), cmp.Compare(a.window, b.window),
			cmp.Compare(a.conv, b.conv), cmp.Compare(a.unit, b.unit))
	})
	args := make([]any, 0, 4*len(rows))
	for _, r := range rows {
		args = append(args, r.person, r.window, r.conv, r.unit)
	}
	return chunked(args, func(args []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`INSERT INTO person_conversations (person_id, id_window, conversation_id, org_unit_id) VALUES `+
			ValuesSQL(len(args)/4, "(?, ?, ?, ?)")+` ON CONFLICT DO NOTHING`), args...)
		return err
	}, 4)
}

// tags stores the tags the annotator gave the batch's messages.
func (w *msgWriter) tags(fresh []model.Message) error {
	var rows []any
	for _, m := range fresh {
		for _, t := range m.Tags {
			rows = append(rows, m.ID, t)
		}
	}
	return chunked(rows, func(args []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`INSERT INTO message_tags (message_id, tag) VALUES `+
			ValuesSQL(len(args)/2, "(?, ?)")+` ON CONFLICT DO NOTHING`), args...)
		return err
	}, 2)
}

// store writes a whole batch: conversations, people, messages, then finish.
func (w *msgWriter) store(batch []store.NewMessage) ([]model.Message, error) {
	for i := range batch {
		if batch[i].Direction == "" {
			batch[i].Direction = model.Inbound
		}
	}
	// Sized once: a batch fills these with up to one entry per message.
	w.convs, w.ppl, w.terms = make(map[key]int64, len(batch)), make(map[key]int64, len(batch)), make(map[int64]string, len(batch))
	if w.cache != nil {
		if err := w.cache.check(w.ctx, w.tx); err != nil {
			return nil, fmt.Errorf("data version: %w", err)
		}
	}
	if err := w.conversations(batch); err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	if err := w.people(batch); err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	fresh, err := w.messages(batch)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	return fresh, w.finish(fresh, batch)
}

// CommitMessages stores a batch of processed inbox rows in one transaction.
func (db *DB) CommitMessages(ctx context.Context, batch []store.NewMessage) ([]model.Message, error) {
	var out []model.Message
	batch = append([]store.NewMessage(nil), batch...) // store() fills defaults in place
	var w *msgWriter
	err := db.txRelaxed(ctx, func(tx *sql.Tx) error {
		var err error
		w = db.newMsgWriter(ctx, tx)
		out, err = w.store(batch)
		return err
	}, db.afterCommit(&w))
	if err != nil {
		return nil, fmt.Errorf("commit messages: %w", err)
	}
	return out, nil
}

// SetStar stars or unstars a message for a user.
func (db *DB) SetStar(ctx context.Context, userID, messageID int64, on bool) error {
	q := `DELETE FROM stars WHERE user_id = ? AND message_id = ?`
	if on {
		q = `INSERT INTO stars (user_id, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	}
	_, err := db.write.ExecContext(ctx, db.q(q), userID, messageID)
	return err
}

// MarkRead records that a user has read a message.
func (db *DB) MarkRead(ctx context.Context, userID, messageID int64) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO reads (user_id, message_id, read_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
		userID, messageID, ts(time.Now()))
	return err
}
