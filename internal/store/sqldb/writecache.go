package sqldb

import (
	"context"
	"sync"
)

// writeCache remembers rows that only the message writer changes —
// conversations (id and title), identities (person and name) and
// person_conversations keys — so that a batch whose conversations and
// senders are all known runs no statement for them. Under load the intake
// commit sees the same conversations and senders batch after batch, and on
// SQLite every statement is time of the single writer.
//
// An entry is added only after the transaction that read or wrote it has
// committed, and is taken out as soon as a transaction is about to change
// it, so a rollback never leaves a value the database does not hold. Only
// for a store whose writes all go through one connection of this process
// (SQLite's write pool): a commit by any other connection moves PRAGMA
// data_version, and the next batch then starts from an empty cache.
type writeCache struct {
	mu      sync.Mutex
	version int64
	convs   map[key]convEntry
	idents  map[key]identityRow
	senders map[senderRow]bool
}

// writeCacheMax bounds each map; a full map is emptied and fills again.
const writeCacheMax = 1 << 16

type convEntry struct {
	id    int64
	title string
}

// senderRow is one person_conversations key.
type senderRow struct{ person, window, conv, unit int64 }

func newWriteCache() *writeCache {
	return &writeCache{convs: map[key]convEntry{}, idents: map[key]identityRow{}, senders: map[senderRow]bool{}}
}

// CacheWrites makes the message writer remember conversations, identities
// and person_conversations keys across batches. Only for a store whose
// every write goes through this DB's single write connection (SQLite): on
// PostgreSQL other nodes change these rows, and the upserts the cache
// skips are also what orders the batch's row locks.
func (db *DB) CacheWrites() { db.cache = newWriteCache() }

// check empties the cache if another connection has committed to the
// database since the last check; it runs inside each writing transaction.
func (c *writeCache) check(ctx context.Context, tx Querier) error {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.version {
		c.version = v
		clear(c.convs)
		clear(c.idents)
		clear(c.senders)
	}
	return nil
}

func (c *writeCache) conv(k key) (convEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.convs[k]
	return e, ok
}

func (c *writeCache) ident(k key) (identityRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.idents[k]
	return r, ok
}

func (c *writeCache) sender(r senderRow) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.senders[r]
}

// forget takes out entries a transaction is about to change.
func (c *writeCache) forget(convs []key, idents []key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range convs {
		delete(c.convs, k)
	}
	for _, k := range idents {
		delete(c.idents, k)
	}
}

// learned is what one transaction read or wrote, remembered once it commits.
type learned struct {
	convs   map[key]convEntry
	idents  map[key]identityRow
	senders []senderRow
}

func (c *writeCache) remember(l *learned) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.convs)+len(l.convs) > writeCacheMax {
		clear(c.convs)
	}
	for k, e := range l.convs {
		c.convs[k] = e
	}
	if len(c.idents)+len(l.idents) > writeCacheMax {
		clear(c.idents)
	}
	for k, r := range l.idents {
		c.idents[k] = r
	}
	if len(c.senders)+len(l.senders) > writeCacheMax {
		clear(c.senders)
	}
	for _, r := range l.senders {
		c.senders[r] = true
	}
}
