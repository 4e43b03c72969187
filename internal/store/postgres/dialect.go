package postgres

import (
	"context"
	"database/sql"
	"embed"
	"strconv"
	"strings"

	"switchboard/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// maxLexeme keeps every search term under PostgreSQL's 2047-byte lexeme
// limit; a longer "word" (a pasted blob) is not worth searching for.
const maxLexeme = 2000

// maxTerms bounds one message's tsvector well under PostgreSQL's 1 MB, so a
// huge message is indexed partly instead of failing its whole batch.
const maxTerms = 512 << 10

// dialect is PostgreSQL's side of sqldb.Dialect.
type dialect struct{}

func (dialect) Name() string       { return "postgres" }
func (dialect) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }

// Rebind turns '?' into $1, $2… outside string literals, quoted identifiers
// and comments, where a '?' is text rather than a parameter.
func (dialect) Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			end := closing(q, i, c)
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// closing returns the index just past the quote that closes the one at
// start; a doubled quote inside is an escaped quote, not the end.
func closing(q string, start int, quote byte) int {
	for i := start + 1; i < len(q); i++ {
		if q[i] != quote {
			continue
		}
		if i+1 < len(q) && q[i+1] == quote {
			i++
			continue
		}
		return i + 1
	}
	return len(q)
}

// Lock takes a transaction-scoped advisory lock. The key includes the
// schema, so two installations sharing a database do not block each other.
func (dialect) Lock(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))`, name)
	return err
}

// IndexMessage stores the terms as lexemes verbatim (array_to_tsvector, not
// to_tsvector): the search package already normalised them, and skipping
// PostgreSQL's parser keeps the tokens exactly those SQLite indexes.
func (dialect) Relax(ctx context.Context, c *sql.Conn) (func() error, error) {
	if _, err := c.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		return nil, err
	}
	return func() error {
		_, err := c.ExecContext(context.WithoutCancel(ctx), `SET synchronous_commit = on`)
		return err
	}, nil
}

func (d dialect) IndexMessages(ctx context.Context, tx sqldb.Querier, ids []int64, terms []string) error {
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		args = append(args, id, lexemes(terms[i]))
	}
	_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO message_search (message_id, terms) VALUES `+
		sqldb.ValuesSQL(len(ids), "(?, array_to_tsvector(string_to_array(?, ' ')))")+
		` ON CONFLICT (message_id) DO UPDATE SET terms = excluded.terms`), args...)
	return err
}

// lexemes drops duplicate, empty and over-long terms and caps the total, so
// the tsvector is always valid.
func lexemes(terms string) string {
	seen := map[string]bool{}
	var keep []string
	size := 0
	for _, t := range strings.Fields(terms) {
		if seen[t] || len(t) > maxLexeme || size+len(t) > maxTerms {
			continue
		}
		seen[t] = true
		size += len(t) + 1
		keep = append(keep, t)
	}
	return strings.Join(keep, " ")
}

// MatchClause requires every term, each as one quoted lexeme of a tsquery
// (cast, not to_tsquery, for the same reason IndexMessage avoids the parser).
func (dialect) MatchClause(terms []string, below, above int64) (string, []any) {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		if len(t) > maxLexeme {
			return "1=0", nil // never indexed, so nothing can match
		}
		t = strings.ReplaceAll(t, `\`, `\\`)
		quoted[i] = `'` + strings.ReplaceAll(t, `'`, `''`) + `'`
	}
	bound, args := sqldb.IDBounds("message_id", below, above)
	return `m.id IN (SELECT message_id FROM message_search WHERE terms @@ CAST(? AS tsquery)` + bound + `)`,
		append([]any{strings.Join(quoted, " & ")}, args...)
}

func (dialect) Migrations() []string { return sqldb.MigrationFiles(migrationFS) }
