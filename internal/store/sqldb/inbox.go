package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// AppendInbox inserts every entry in one transaction; a (channel, external id)
// seen before — in the database or earlier in the batch — yields 0.
func (db *DB) AppendInbox(ctx context.Context, entries []store.InboxEntry) ([]int64, error) {
	ids := make([]int64, len(entries))
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.appendAll(ctx, tx, entries, ids) })
	if err != nil {
		return nil, fmt.Errorf("append inbox (%d entries): %w", len(entries), err)
	}
	return ids, nil
}

// AcceptInbox stores the messages of entries with a Target and appends
// the rest to the inbox, in one transaction: one commit (one flush) per
// intake batch. A stored message needs no inbox row: the message row is
// durable itself and its unique (channel, external id) key dedupes
// retries, so the batch writes one dedupe index instead of two.
func (db *DB) AcceptInbox(ctx context.Context, entries []store.InboxEntry) ([]int64, []model.Message, error) {
	ids := make([]int64, len(entries))
	var msgs []model.Message
	var w *msgWriter
	err := db.txThen(ctx, func(tx *sql.Tx) error {
		var pending []store.InboxEntry
		var pendingAt []int
		var batch []store.NewMessage
		for i, e := range entries {
			if e.Target == nil {
				pending, pendingAt = append(pending, e), append(pendingAt, i)
				continue
			}
			batch = append(batch, store.NewMessage{OrgUnitID: e.Target.OrgUnitID, Kind: e.Target.Kind,
				Envelope: e.Envelope, Direction: model.Inbound, Terms: e.Terms})
		}
		if len(pending) > 0 {
			got := make([]int64, len(pending))
			if err := db.appendAll(ctx, tx, pending, got); err != nil {
				return err
			}
			for j, i := range pendingAt {
				ids[i] = got[j]
			}
		}
		if len(batch) == 0 {
			return nil
		}
		var err error
		w = db.newMsgWriter(ctx, tx)
		if msgs, err = w.store(batch); err != nil {
			return err
		}
		messageIDs(entries, msgs, ids)
		return nil
	}, db.afterCommit(&w))
	if err != nil {
		return nil, nil, fmt.Errorf("accept inbox (%d entries): %w", len(entries), err)
	}
	return ids, msgs, nil
}

// messageIDs sets the id of each entry with a Target to its new message's
// id; a repeat later in the batch, like a retry, keeps 0.
func messageIDs(entries []store.InboxEntry, fresh []model.Message, ids []int64) {
	byKey := make(map[key]int64, len(fresh))
	for _, m := range fresh {
		byKey[key{m.ChannelID, m.ExternalID}] = m.ID
	}
	for i, e := range entries {
		if e.Target == nil {
			continue
		}
		k := key{e.Envelope.ChannelID, e.Envelope.ExternalID}
		ids[i] = byKey[k]
		delete(byKey, k)
	}
}

func (db *DB) appendAll(ctx context.Context, tx *sql.Tx, entries []store.InboxEntry, ids []int64) error {
	offset := 0
	return chunked(entries, func(chunk []store.InboxEntry) error {
		err := db.appendChunk(ctx, tx, chunk, ids[offset:offset+len(chunk)])
		offset += len(chunk)
		return err
	})
}

func (db *DB) appendChunk(ctx context.Context, tx *sql.Tx, chunk []store.InboxEntry, ids []int64) error {
	args := make([]any, 0, 6*len(chunk))
	for _, e := range chunk {
		raw, err := json.Marshal(e.Envelope)
		if err != nil {
			return err
		}
		args = append(args, e.Envelope.ChannelID, e.Envelope.ExternalID, db.seal(raw), ts(e.Envelope.ReceivedAt), e.Owner, ts(e.LeaseUntil))
	}
	rows, err := db.on(tx).QueryContext(ctx, db.d.Rebind(`INSERT INTO inbox (channel_id, external_id, envelope, received_at, owner, lease_until)
		VALUES `+ValuesSQL(len(chunk), tuple(6))+` ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id, channel_id, external_id`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[key]int64{}
	for rows.Next() {
		var id int64
		var k key
		if err := rows.Scan(&id, &k.channel, &k.ext); err != nil {
			return err
		}
		got[k] = id
	}
	for i, e := range chunk {
		k := key{e.Envelope.ChannelID, e.Envelope.ExternalID}
		ids[i] = got[k]
		delete(got, k) // a repeat later in the batch is a duplicate
	}
	return rows.Err()
}

// ClaimInbox leases up to limit unprocessed rows whose lease has run out.
func (db *DB) ClaimInbox(ctx context.Context, owner string, until time.Time, limit int) ([]store.InboxItem, error) {
	now := ts(time.Now())
	rows, err := db.write.QueryContext(ctx, db.q(`UPDATE inbox SET owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM inbox WHERE done = 0 AND lease_until < ? ORDER BY id LIMIT ?`+db.d.SkipLocked()+`)
		RETURNING id, envelope`), owner, ts(until), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim inbox: %w", err)
	}
	defer rows.Close()
	var out []store.InboxItem
	for rows.Next() {
		var it store.InboxItem
		var sealed []byte
		if err := rows.Scan(&it.ID, &sealed); err != nil {
			return nil, err
		}
		if it.Envelope, err = db.openEnvelope(sealed); err != nil {
			return nil, fmt.Errorf("inbox %d: %w", it.ID, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (db *DB) openEnvelope(sealed []byte) (model.Envelope, error) {
	var env model.Envelope
	raw, err := db.open(sealed)
	if err != nil {
		return env, err
	}
	return env, json.Unmarshal(raw, &env)
}

// InboxDepth counts rows not yet processed.
func (db *DB) InboxDepth(ctx context.Context) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox WHERE done = 0`).Scan(&n)
	return n, err
}
