// Package sqlite opens Switchboard's embedded store: a SQLite file in WAL mode
// with synchronous=FULL, so a commit is on disk before it returns.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"switchboard/internal/crypto"
	"switchboard/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// dialect is SQLite's side of sqldb.Dialect.
type dialect struct{}

func (dialect) Name() string                                { return "sqlite" }
func (dialect) Rebind(q string) string                      { return q }
func (dialect) SkipLocked() string                          { return "" }
func (dialect) Lock(context.Context, *sql.Tx, string) error { return nil } // one writer at a time already

func (dialect) Relax(ctx context.Context, c *sql.Conn) (func() error, error) {
	if _, err := c.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return nil, err
	}
	return func() error {
		_, err := c.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`)
		return err
	}, nil
}

func (dialect) IndexMessages(ctx context.Context, tx sqldb.Querier, ids []int64, terms []string) error {
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		args = append(args, id, terms[i])
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO message_fts (rowid, terms) VALUES `+sqldb.ValuesSQL(len(ids), "(?, ?)"), args...)
	return err
}

// MatchClause bounds FTS5's rowid by the cursor inside the subquery: the
// list SQLite builds from it then holds only the page's side of the
// cursor (otherwise it walks every newer match before the first it may
// return — 100 ms for a page half-way through a word in 40,000 messages).
func (dialect) MatchClause(terms []string, below, above int64) (string, []any) {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	bound, args := sqldb.IDBounds("rowid", below, above)
	return `m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?` + bound + `)`, append([]any{strings.Join(quoted, " ")}, args...)
}

func (dialect) Migrations() []string { return sqldb.MigrationFiles(migrationFS) }

func dsn(path string, write bool) string {
	v := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "cache_size(-32000)", "temp_store(MEMORY)"} {
		v.Add("_pragma", p)
	}
	if write {
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the database file and applies migrations.
func Open(ctx context.Context, path string, keys *crypto.Keyring) (*sqldb.DB, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	// One writer connection: SQLite allows one writer anyway, and queueing in
	// Go is cheaper and fairer than busy-waiting on the file lock.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	db := sqldb.New(read, write, dialect{}, keys)
	db.ReusePrepared()
	db.CacheWrites()
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
