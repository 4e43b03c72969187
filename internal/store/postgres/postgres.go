// Package postgres opens Switchboard's scale-out store: PostgreSQL through
// pgx's database/sql driver, shared by every node. The SQL itself lives in
// sqldb; this package supplies the dialect and the migrations.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"switchboard/internal/crypto"
	"switchboard/internal/store/sqldb"
)

// Open connects to url (postgres://…), checks the server answers and applies
// migrations; several nodes may call it at once.
func Open(ctx context.Context, url string, keys *crypto.Keyring) (*sqldb.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may echo the URL, password included.
		return nil, fmt.Errorf("postgres: invalid database url")
	}
	pool := stdlib.OpenDB(*cfg)
	// PostgreSQL runs writers side by side, so unlike SQLite one pool serves
	// reads and writes; the cap keeps N nodes under max_connections.
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	db := sqldb.New(pool, pool, dialect{}, keys)
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
