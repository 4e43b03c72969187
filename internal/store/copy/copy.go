package copy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"switchboard/internal/crypto"
	"switchboard/internal/store"
	"switchboard/internal/store/postgres"
	"switchboard/internal/store/sqlite"
)

// Options tune a copy.
type Options struct {
	Batch    int                            // rows per INSERT statement (default 500)
	Progress func(table string, rows int64) // called after each table, if set
}

// ErrNotEmpty means the target already holds data; a copy only ever fills a
// new database, so it can never mix two installations.
var ErrNotEmpty = errors.New("target database is not empty")

// SQLiteToPostgres copies the installation in dataDir (its switchboard.db,
// opened with keys) into the PostgreSQL database at pgURL, which must be
// empty. Everything is written in one transaction, so a failed copy leaves
// the target empty and can simply be run again. After the commit both sides
// are read back and compared table by table. It returns the per-table sums.
func SQLiteToPostgres(ctx context.Context, dataDir string, keys *crypto.Keyring, pgURL string, opts Options) (map[string]Sum, error) {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	path, err := filepath.Abs(filepath.Join(dataDir, "switchboard.db"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no SQLite installation in %s: %w", dataDir, err)
	}
	// Opening through the store brings the source schema up to this
	// version's migrations, so both sides have the columns Tables names.
	msgs, err := sqlite.Open(ctx, path, keys)
	if err != nil {
		return nil, err
	}
	defer msgs.Close()
	src, err := sql.Open("sqlite", "file:"+path+"?"+url.Values{"_pragma": {"query_only(1)", "busy_timeout(10000)"}}.Encode())
	if err != nil {
		return nil, err
	}
	defer src.Close()
	pg, err := postgres.Open(ctx, pgURL, keys) // creates the schema
	if err != nil {
		return nil, err
	}
	pg.Close()
	dst, err := sql.Open("pgx", pgURL)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if err := errors.Join(Columns(ctx, src, "sqlite"), Columns(ctx, dst, "postgres")); err != nil {
		return nil, err
	}
	if err := copyAll(ctx, src, msgs, dst, opts); err != nil {
		return nil, err
	}
	return verify(ctx, src, dst)
}

// copyAll reads src in one read transaction (a consistent snapshot) and
// writes dst in one write transaction.
func copyAll(ctx context.Context, src *sql.DB, msgs store.Messages, dst *sql.DB, opts Options) error {
	stx, err := src.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer stx.Rollback()
	dtx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer dtx.Rollback()
	if err := checkEmpty(ctx, dtx); err != nil {
		return err
	}
	for _, t := range Tables {
		if t.Seeded {
			if _, err := dtx.ExecContext(ctx, `DELETE FROM `+t.Name); err != nil {
				return fmt.Errorf("clear seeded %s: %w", t.Name, err)
			}
		}
		n, err := copyTable(ctx, stx, dtx, t, opts.Batch)
		if err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(t.Name, n)
		}
	}
	n, err := reindex(ctx, stx, msgs, dtx)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if opts.Progress != nil {
		opts.Progress("message_search", n)
	}
	if err := resetSequences(ctx, dtx); err != nil {
		return err
	}
	return dtx.Commit()
}

// checkEmpty refuses a target holding any row. It runs inside the copy's
// transaction; a node that starts on the target meanwhile creates its root
// org unit, and the copy then fails on that id instead of mixing data.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	names := append([]string{}, searchTables...)
	for _, t := range Tables {
		if !t.Seeded {
			names = append(names, t.Name)
		}
	}
	for _, name := range names {
		var has bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+name+`)`).Scan(&has); err != nil {
			return err
		}
		if has {
			return fmt.Errorf("%w: table %s has rows; copy into a new, empty database or schema "+
				"(no node may have been started on it)", ErrNotEmpty, name)
		}
	}
	return nil
}

// resetSequences moves every identity past the copied ids, so the next
// row a node inserts does not collide with a copied one.
func resetSequences(ctx context.Context, tx *sql.Tx) error {
	for _, t := range Tables {
		if !t.Identity {
			continue
		}
		_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX(id) FROM `+t.Name+`), 0) + 1, false)`, t.Name)
		if err != nil {
			return fmt.Errorf("sequence of %s: %w", t.Name, err)
		}
	}
	return nil
}

// verify compares the committed target with the source, table by table.
func verify(ctx context.Context, src, dst *sql.DB) (map[string]Sum, error) {
	a, err := Checksums(ctx, src)
	if err != nil {
		return nil, err
	}
	b, err := Checksums(ctx, dst)
	if err != nil {
		return nil, err
	}
	for _, t := range Tables {
		if a[t.Name] != b[t.Name] {
			return b, fmt.Errorf("verify %s: source has %d rows (%s), target %d rows (%s)",
				t.Name, a[t.Name].Rows, a[t.Name].Hash[:12], b[t.Name].Rows, b[t.Name].Hash[:12])
		}
	}
	return b, nil
}
