package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"time"

	"switchboard/internal/model"
)

// auditHash chains an entry to its predecessor so any edit or deletion in the
// middle of the trail breaks every later hash.
func auditHash(prev []byte, e model.AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(ts(e.At)))
	h.Write(buf[:])
	binary.BigEndian.PutUint64(buf[:], uint64(e.UserID))
	h.Write(buf[:])
	for _, s := range []string{e.Login, e.Action, e.Resource, e.Detail, e.RemoteIP} {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	if e.Allowed {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// AppendAudit appends an entry to the hash chain.
func (db *DB) AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	e.At = fromTS(ts(e.At))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.d.Lock(ctx, tx, "audit_log"); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.PrevHash)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		e.Hash = auditHash(e.PrevHash, e)
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO audit_log (at, user_id, login, action, resource, allowed, detail, remote_ip, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			ts(e.At), e.UserID, e.Login, e.Action, e.Resource, e.Allowed, e.Detail, e.RemoteIP, e.PrevHash, e.Hash).Scan(&e.ID)
	})
	if err != nil {
		return e, fmt.Errorf("append audit: %w", err)
	}
	return e, nil
}

// ListAudit returns the newest entries first.
func (db *DB) ListAudit(ctx context.Context, limit int, deniedOnly bool) ([]model.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, at, user_id, login, action, resource, allowed, detail, remote_ip, prev_hash, hash
		FROM audit_log WHERE (? OR allowed = ?) ORDER BY id DESC LIMIT ?`), !deniedOnly, false, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.AuditEntry{}
	for rows.Next() {
		var e model.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Login, &e.Action, &e.Resource, &e.Allowed, &e.Detail, &e.RemoteIP, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
