package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// nodeLock holds a PostgreSQL session advisory lock for the node's lifetime.
// A node with NATS takes it shared (any number may run together); a node
// without NATS takes it exclusive, so it starts only when it is alone, and
// no other node starts while it runs: otherwise events committed on one node
// would silently never reach browsers connected to another.
type nodeLock struct {
	db      *sql.DB
	withBus bool

	mu   sync.Mutex
	conn *sql.Conn
	err  error // why the lock is not held right now; nil while it is
}

func lockNode(ctx context.Context, url string, withBus bool) (*nodeLock, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	l := &nodeLock{db: db, withBus: withBus}
	conn, err := l.acquire(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	l.conn = conn
	return l, nil
}

// acquire takes the lock on a new connection of the lock's own.
func (l *nodeLock) acquire(ctx context.Context) (*sql.Conn, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("database-url: %w", err)
	}
	fn := "pg_try_advisory_lock_shared"
	if !l.withBus {
		fn = "pg_try_advisory_lock"
	}
	var ok bool
	// The key is per schema, so installations sharing one database (in
	// separate schemas) do not block each other.
	if err := conn.QueryRowContext(ctx, "SELECT "+fn+"("+clusterLockKey+")").Scan(&ok); err != nil {
		conn.Close()
		return nil, fmt.Errorf("database-url: node lock: %w", err)
	}
	if ok {
		return conn, nil
	}
	conn.Close()
	if l.withBus {
		return nil, errors.New("another node is using this database without --nats-url; give every node the same --nats-url")
	}
	return nil, errors.New("other nodes are using this database: several nodes need --nats-url so that live events reach every node")
}

// watch notices a lost lock connection (database restart, terminated
// backend) — the lock went with it — and takes the lock again. While it
// cannot, Err reports why and the node answers /readyz with 503.
func (l *nodeLock) watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		conn := l.conn
		l.mu.Unlock()
		if conn != nil && conn.PingContext(ctx) == nil {
			continue
		}
		if conn != nil {
			conn.Close()
			log.Warn("cluster lock connection lost; taking the lock again")
		}
		conn, err := l.acquire(ctx)
		l.mu.Lock()
		l.conn, l.err = conn, err
		l.mu.Unlock()
		if err != nil {
			log.Error("cluster lock not held", "err", err)
		}
	}
}

// Err is nil while the lock is held.
func (l *nodeLock) Err() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *nodeLock) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
	return l.db.Close()
}
