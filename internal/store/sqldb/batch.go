package sqldb

import (
	"math/bits"
	"strings"
)

// rowsPerStatement bounds multi-row statements: one statement per batch
// instead of one per row is where the write path saves its time, and 256
// rows keep the widest statement (12 columns) far below both databases'
// parameter limits.
const rowsPerStatement = 256

// exactRows is the size up to which a chunk holds exactly the rows left:
// the group commit's batches are mostly smaller, and splitting, say, 31
// rows into 16+8+4+2+1 costs the single writer four more executions of
// each statement (on SQLite ~14 µs each, and a search index segment more).
// Shapes stay bounded, at exactRows plus a few powers of two per statement.
const exactRows = 64

// ValuesSQL returns "(?, ?), (?, ?)" for rows tuples of tuple.
func ValuesSQL(rows int, tuple string) string {
	var b strings.Builder
	b.Grow(rows * (len(tuple) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// tuple returns "(?, ?, …)" with n placeholders.
func tuple(n int) string { return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")" }

// chunked calls fn on consecutive slices of items: all that is left once it
// is at most exactRows rows, otherwise a power of two of rows up to
// rowsPerStatement (77 rows: 64, 13; 600: 256, 256, 64, 24), so a
// multi-row statement comes in a bounded set of shapes that stay prepared;
// width (default 1) is how many items make one row.
func chunked[T any](items []T, fn func([]T) error, width ...int) error {
	w := 1
	if len(width) == 1 {
		w = width[0]
	}
	for len(items) > 0 {
		rows := min(len(items)/w, rowsPerStatement)
		n := w << (bits.Len(uint(rows)) - 1) // the largest power of two ≤ rows, times w
		if rows == 0 || len(items) <= exactRows*w {
			n = len(items)
		}
		if err := fn(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// key identifies a row by channel and external id, the dedupe key of
// inbox rows, messages, conversations and identities.
type key struct {
	channel int64
	ext     string
}
