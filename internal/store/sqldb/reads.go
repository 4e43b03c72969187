package sqldb

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/model"
)

// RecordReads stores that reader read the channel's sent messages
// externalIDs (platform message ids) at at; ids of no delivery of the
// channel are ignored, a repeat keeps the first time. It returns how many
// receipts were new.
func (db *DB) RecordReads(ctx context.Context, channelID int64, externalIDs []string, reader string, at time.Time) (int, error) {
	if len(externalIDs) == 0 {
		return 0, nil
	}
	args := []any{reader, ts(at), channelID}
	for _, id := range externalIDs {
		args = append(args, id)
	}
	res, err := db.write.ExecContext(ctx, db.d.Rebind(`INSERT INTO delivery_reads (delivery_id, reader, read_at)
		SELECT id, ?, ? FROM deliveries WHERE channel_id = ? AND external_id <> '' AND external_id IN (`+placeholders(len(externalIDs))+`)
		ON CONFLICT DO NOTHING`), args...)
	if err != nil {
		return 0, fmt.Errorf("record reads: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// loadReads fills the read receipts of ds, with the reader's name where the
// channel knows the identity.
func (db *DB) loadReads(ctx context.Context, ds []model.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(ds))
	for i, d := range ds {
		idx[d.ID] = i
	}
	reads, err := db.readsWhere(ctx, "d.id", int64Args(keys(idx)))
	if err != nil {
		return err
	}
	for id, rs := range reads {
		ds[idx[id]].Reads = rs
	}
	return nil
}

// MessageReads returns the read receipts of outbound messages by message
// id, for the conversation view; messages nobody read are absent.
func (db *DB) MessageReads(ctx context.Context, messageIDs []int64) (map[int64][]model.DeliveryRead, error) {
	if len(messageIDs) == 0 {
		return map[int64][]model.DeliveryRead{}, nil
	}
	return db.readsWhere(ctx, "d.message_id", int64Args(messageIDs))
}

// readsWhere returns the receipts of the deliveries whose key column
// (d.id or d.message_id) is one of ids, by that key.
func (db *DB) readsWhere(ctx context.Context, key string, ids []any) (map[int64][]model.DeliveryRead, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+key+`, r.reader, r.read_at,
		COALESCE((SELECT MIN(i.name) FROM identities i WHERE i.channel_id = d.channel_id AND i.external_id = r.reader), '')
		FROM delivery_reads r JOIN deliveries d ON d.id = r.delivery_id WHERE `+key+` IN (`+placeholders(len(ids))+`)
		ORDER BY r.read_at, r.reader`), ids...)
	if err != nil {
		return nil, fmt.Errorf("read receipts: %w", err)
	}
	defer rows.Close()
	out := map[int64][]model.DeliveryRead{}
	for rows.Next() {
		var id, at int64
		var r model.DeliveryRead
		if err := rows.Scan(&id, &r.Reader, &at, &r.Name); err != nil {
			return nil, err
		}
		r.At = fromTS(at)
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}

func keys(m map[int64]int) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
