package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// Querier is what statements inside a transaction run on: a *sql.Tx, or a
// preparedTx that reuses prepared statements.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// preparedCache keeps the write path's statements prepared on the write
// pool. SQLite's driver parses and plans an unprepared statement on every
// execution, which on the intake path costs as much as running it; a
// prepared one is only bound and stepped. A statement is prepared after
// the transaction that first used it has ended, because the write pool
// has one connection and preparing on it mid-transaction would wait for
// that very transaction.
type preparedCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// maxPrepared bounds the cache; shapes beyond it run unprepared. The write
// path has some hundreds: a multi-row statement comes in up to exactRows
// sizes plus a few powers of two (see chunked), each a few kB prepared.
const maxPrepared = 1024

func (c *preparedCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[q]
	if st == nil && len(c.stmts)+len(c.wanted) < maxPrepared {
		c.wanted[q] = true
	}
	return st
}

// prepareWanted prepares the statements asked for since the last call; it
// runs between transactions, when the write connection is free.
func (c *preparedCache) prepareWanted(ctx context.Context, pool *sql.DB) {
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			continue // it keeps running unprepared, and reports its error there
		}
		c.mu.Lock()
		if c.stmts[q] == nil {
			c.stmts[q], st = st, nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

func (c *preparedCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// preparedTx runs statements of tx through the cache.
type preparedTx struct {
	tx *sql.Tx
	c  *preparedCache
}

func (p preparedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := p.c.get(q); st != nil {
		return p.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, q, args...)
}

func (p preparedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := p.c.get(q); st != nil {
		return p.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return p.tx.QueryContext(ctx, q, args...)
}

func (p preparedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := p.c.get(q); st != nil {
		return p.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, q, args...)
}

// on returns what tx's write-path statements should run on.
func (db *DB) on(tx *sql.Tx) Querier {
	if db.prepared == nil {
		return tx
	}
	return preparedTx{tx: tx, c: db.prepared}
}

// ReusePrepared makes the write path keep its statements prepared. Only
// for a write pool of one connection (SQLite): on a pool of many, a
// statement prepared on one connection is prepared again on another.
func (db *DB) ReusePrepared() {
	db.prepared = &preparedCache{stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}
