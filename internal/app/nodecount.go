package app

import (
	"context"
	"time"
)

// clusterLockKey is the advisory lock every node of an installation holds
// (shared with NATS, exclusive without); per schema, so installations
// sharing one database do not see each other.
const clusterLockKey = "hashtextextended(current_schema() || '/switchboard-cluster', 0)"

// Nodes counts the live nodes: the sessions holding the cluster lock. A
// bigint advisory key shows in pg_locks as classid (high 32 bits) and
// objid (low 32 bits) with objsubid 1.
func (l *nodeLock) Nodes(ctx context.Context) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return 0, l.err
	}
	var n int
	err := l.conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
		AND ((classid::bigint << 32) | objid::bigint) = `+clusterLockKey).Scan(&n)
	return n, err
}

// followNodes keeps the dispatcher's share of the platforms' limits at
// 1/N of each for N live nodes, so N nodes together stay under what a
// platform documents for one app. A node that cannot count keeps its last
// share.
func (a *App) followNodes(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.lock.Nodes(ctx); err == nil && n > 0 {
			a.Dispatcher.SetNodes(n)
		} else if err != nil && ctx.Err() == nil {
			a.Log.Warn("count cluster nodes", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
