package sqldb

import "strings"

// rowsPerStatement bounds multi-row statements. The SQLite driver parses a
// statement again on every execution, so one statement per batch instead of
// one per row is where the write path's time goes; 500 rows keep the widest
// statement (12 columns) far below both databases' parameter limits.
const rowsPerStatement = 500

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

// chunked calls fn on consecutive slices of at most rowsPerStatement rows;
// width (default 1) is how many items make one row.
func chunked[T any](items []T, fn func([]T) error, width ...int) error {
	per := rowsPerStatement
	if len(width) == 1 {
		per *= width[0]
	}
	for len(items) > 0 {
		n := min(len(items), per)
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
