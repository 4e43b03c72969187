// Package sqldb implements every store interface once, over database/sql.
// The sqlite and postgres packages supply a Dialect (placeholders, claim
// locking, full-text search, migrations) and their connection pools; the SQL
// that is the same in both lives here, so the two cannot drift apart.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Dialect is what differs between the databases.
type Dialect interface {
	Name() string
	// Rebind rewrites '?' placeholders into the dialect's form.
	Rebind(q string) string
	// SkipLocked is appended to claim sub-selects ("" where writes are serialised anyway).
	SkipLocked() string
	// Relax makes commits on c skip the flush to disk until restore runs.
	// Only transactions whose loss is repaired by redoing them use it.
	Relax(ctx context.Context, c *sql.Conn) (restore func() error, err error)
	// Lock serialises transactions that take the same name (the audit hash
	// chain, migrations), across processes too.
	Lock(ctx context.Context, tx *sql.Tx, name string) error
	// IndexMessages stores the normalised search terms of messages, one
	// statement per call (callers pass at most a few hundred).
	IndexMessages(ctx context.Context, tx Querier, ids []int64, terms []string) error
	// MatchClause returns a condition on messages.id that holds when all
	// terms match. below and above (0: none) bound the ids inside the
	// index lookup, so a page deep in a common word's matches reads only
	// the matches past its cursor, not every match above it.
	MatchClause(terms []string, below, above int64) (string, []any)
	// Migrations are applied in order, each once.
	Migrations() []string
}

// DB is a store.Store over database/sql.
type DB struct {
	read, write *sql.DB
	d           Dialect
	keys        *crypto.Keyring
	stmts       sync.Map       // query → rebound query
	prepared    *preparedCache // nil: statements run unprepared
	cache       *writeCache    // nil: the message writer looks everything up
	annotate    atomic.Pointer[func(*model.Message)]
	// senderWindow is how many message ids one person_conversations
	// window spans (id_window = id / senderWindow).
	senderWindow int64
}

// senderWindowWidth is the width of a person_conversations id window;
// migration 003 fills the table with the same number.
const senderWindowWidth = 1 << 16

// SetSenderWindowForTests narrows person_conversations' id windows, so
// tests cross window boundaries with a handful of messages. Only for a
// store that holds no messages yet: rows written with one width are not
// found by lookups with another.
func (db *DB) SetSenderWindowForTests(width int64) { db.senderWindow = max(width, 1) }

// SetAnnotator installs fn, called on every new inbound message inside the
// transaction that stores it; the tags it sets are stored with the message.
// Rules classify this way, so a message is never visible untagged.
func (db *DB) SetAnnotator(fn func(*model.Message)) { db.annotate.Store(&fn) }

func (db *DB) annotator() func(*model.Message) {
	if p := db.annotate.Load(); p != nil {
		return *p
	}
	return nil
}

var _ store.Store = (*DB)(nil)

// New wraps the pools. read and write may be the same pool; SQLite uses a
// single-connection write pool so writers queue in Go, not in busy loops.
func New(read, write *sql.DB, d Dialect, keys *crypto.Keyring) *DB {
	return &DB{read: read, write: write, d: d, keys: keys, senderWindow: senderWindowWidth}
}

// Migrate applies pending migrations, each in its own transaction. Every
// step takes the dialect's "schema_migrations" lock and re-reads the version
// inside it, so several processes starting at once apply each migration once.
func (db *DB) Migrate(ctx context.Context) error {
	migrations := db.d.Migrations()
	for {
		var applied int
		err := db.tx(ctx, func(tx *sql.Tx) error {
			v, err := db.migrateStep(ctx, tx, migrations)
			applied = v
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", db.d.Name(), err)
		}
		if applied == 0 {
			return nil
		}
	}
}

// migrateStep applies the next pending migration and returns its version,
// or 0 when the schema is current.
func (db *DB) migrateStep(ctx context.Context, tx *sql.Tx, migrations []string) (int, error) {
	if err := db.d.Lock(ctx, tx, "schema_migrations"); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return 0, err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version),0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, err
	}
	if have >= len(migrations) {
		return 0, nil
	}
	v := have + 1
	for _, stmt := range splitSQL(migrations[have]) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return v, fmt.Errorf("to %d: %.60s…: %w", v, stmt, err)
		}
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version) VALUES (?)`), v)
	return v, err
}

// splitSQL splits a migration on lines holding only "--;" so statements with
// semicolons inside (triggers, functions) stay whole.
func splitSQL(m string) []string {
	var out []string
	for _, part := range strings.Split(m, "\n--;\n") {
		if s := strings.TrimSpace(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.prepared != nil {
		db.prepared.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// q rebinds a query once and caches the result.
func (db *DB) q(query string) string {
	if v, ok := db.stmts.Load(query); ok {
		return v.(string)
	}
	r := db.d.Rebind(query)
	db.stmts.Store(query, r)
	return r
}

func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error { return db.txThen(ctx, fn, nil) }

// txThen is tx that runs then after a successful commit, before the write
// connection serves the next transaction: with a single write connection
// (the only case where the write cache is on), no transaction runs between
// a commit and its then.
func (db *DB) txThen(ctx context.Context, fn func(*sql.Tx) error, then func()) error {
	if then == nil {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		err = tx.Commit()
		db.prepareWanted(ctx)
		return err
	}
	c, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer db.prepareWanted(ctx) // deferred first, so it runs after c.Close
	defer c.Close()
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	then()
	return nil
}

// prepareWanted prepares the statements the last transaction ran unprepared.
func (db *DB) prepareWanted(ctx context.Context) {
	if db.prepared != nil {
		db.prepared.prepareWanted(ctx, db.write)
	}
}

// txRelaxed runs fn in a transaction whose commit is not flushed to disk.
// Processing batches use it: they hold only derived rows plus the inbox
// "done" marks, so if a crash loses one, its inbox rows are still pending
// and are processed again; and the log is sequential, so the next durable
// commit (every acknowledged intake batch) flushes it anyway. That halves
// the flushes per message without weakening "ack after durable commit".
func (db *DB) txRelaxed(ctx context.Context, fn func(*sql.Tx) error, then func()) error {
	c, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer db.prepareWanted(ctx) // deferred first, so it runs after c.Close
	defer c.Close()
	restore, err := db.d.Relax(ctx, c)
	if err != nil {
		return err
	}
	tx, err := c.BeginTx(ctx, nil)
	if err == nil {
		if err = fn(tx); err != nil {
			_ = tx.Rollback()
		} else if err = tx.Commit(); err == nil && then != nil {
			then() // before c is released (see txThen)
		}
	}
	if rerr := restore(); rerr != nil {
		// A connection left relaxed would weaken intake commits: drop it.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(err, rerr)
	}
	return err
}

func (db *DB) seal(b []byte) []byte { return db.keys.Seal(b) }

func (db *DB) open(b []byte) ([]byte, error) { return db.keys.Open(b) }

// Times are stored as unix microseconds in a BIGINT column in every dialect.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromTS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// scopeClause limits col (an org unit id column) to the scope.
func scopeClause(col string, s store.Scope) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	if len(s.Units) == 0 {
		return "1=0", nil
	}
	args := make([]any, len(s.Units))
	for i, u := range s.Units {
		args[i] = u
	}
	return col + " IN (SELECT descendant FROM org_unit_paths WHERE ancestor IN (" + placeholders(len(args)) + "))", args
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

func notFound(err error, what string, id any) error {
	if err == sql.ErrNoRows {
		return fmt.Errorf("%s %v: %w", what, id, store.ErrNotFound)
	}
	return err
}

// MigrationFiles reads a dialect's embedded migrations/*.sql in file name order.
func MigrationFiles(fsys fs.FS) []string {
	names, _ := fs.Glob(fsys, "migrations/*.sql")
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		b, _ := fs.ReadFile(fsys, n)
		out[i] = string(b)
	}
	return out
}
