package copy

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"switchboard/internal/store/postgres"
	"switchboard/internal/store/sqldb"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// scanRows runs fn on every row of t in t.Order, values normalised so the
// same row reads the same from either database.
func scanRows(ctx context.Context, db querier, t Table, fn func([]any) error) error {
	rows, err := db.QueryContext(ctx, `SELECT `+strings.Join(t.Cols, ", ")+` FROM `+t.Name+` ORDER BY `+t.Order)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.Cols))
	ptrs := make([]any, len(t.Cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", t.Name, err)
		}
		for i, c := range t.Cols {
			vals[i] = normalise(vals[i], t.Bools[c], t.Blobs[c])
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// normalise maps the drivers' differing answers onto one form: SQLite gives
// 0/1 (or bool) for BOOLEAN columns where PostgreSQL needs a bool, and nil
// for an empty BLOB, which PostgreSQL would take for NULL.
func normalise(v any, isBool, isBlob bool) any {
	if isBlob {
		if b, ok := v.([]byte); v == nil || ok && b == nil {
			return []byte{}
		}
		return v
	}
	if !isBool {
		return v
	}
	switch b := v.(type) {
	case int64:
		return b != 0
	case string:
		return b == "1" || b == "true"
	}
	return v
}

// copyTable streams t from src into dst, batch rows per INSERT statement.
func copyTable(ctx context.Context, src querier, dst *sql.Tx, t Table, batch int) (int64, error) {
	var n int64
	buf := make([]any, 0, batch*len(t.Cols))
	flush := func() error {
		rows := len(buf) / len(t.Cols)
		if rows == 0 {
			return nil
		}
		q := `INSERT INTO ` + t.Name + ` (` + strings.Join(t.Cols, ", ") + `) VALUES ` +
			sqldb.ValuesSQL(rows, "("+strings.TrimSuffix(strings.Repeat("?, ", len(t.Cols)), ", ")+")")
		if _, err := dst.ExecContext(ctx, postgres.Dialect().Rebind(q), buf...); err != nil {
			return fmt.Errorf("write %s: %w", t.Name, err)
		}
		n += int64(rows)
		buf = buf[:0]
		return nil
	}
	err := scanRows(ctx, src, t, func(vals []any) error {
		buf = append(buf, vals...)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}

// Sum is a table's row count and a hash over its rows in order.
type Sum struct {
	Rows int64
	Hash string
}

// Checksums reads every table of db and returns its Sum. The values are
// hashed in a dialect-neutral form, so a faithful copy has equal sums on
// both sides; sealed columns are compared as the bytes they are.
func Checksums(ctx context.Context, db querier) (map[string]Sum, error) {
	out := map[string]Sum{}
	for _, t := range Tables {
		h := sha256.New()
		var n int64
		err := scanRows(ctx, db, t, func(vals []any) error {
			n++
			for _, v := range vals {
				h.Write(canonical(v))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out[t.Name] = Sum{Rows: n, Hash: hex.EncodeToString(h.Sum(nil))}
	}
	return out, nil
}

// canonical encodes one value with a type tag and a length, so adjacent
// values cannot run into each other; bools hash as the integers SQLite keeps.
func canonical(v any) []byte {
	tagged := func(tag byte, b []byte) []byte {
		out := make([]byte, 9, 9+len(b))
		out[0] = tag
		binary.BigEndian.PutUint64(out[1:], uint64(len(b)))
		return append(out, b...)
	}
	num := func(x uint64) []byte { return binary.BigEndian.AppendUint64(nil, x) }
	switch x := v.(type) {
	case nil:
		return tagged('n', nil)
	case int64:
		return tagged('i', num(uint64(x)))
	case bool:
		if x {
			return tagged('i', num(1))
		}
		return tagged('i', num(0))
	case float64:
		return tagged('f', num(math.Float64bits(x)))
	case string:
		return tagged('s', []byte(x))
	case []byte:
		return tagged('b', x)
	}
	return tagged('?', fmt.Appendf(nil, "%T:%v", v, v))
}
