package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// openStatuses are the statuses in which a ticket counts toward its
// assignee's load and may be assigned from the queue.
var openStatuses = []any{string(model.TicketAccepted), string(model.TicketInProgress), string(model.TicketWaiting)}

const dequeueHandledSQL = `DELETE FROM ticket_queue WHERE team_id = ? AND EXISTS (SELECT 1 FROM tickets t
	WHERE t.id = ticket_queue.ticket_id AND (t.assignee_id IS NOT NULL OR t.status NOT IN (?, ?, ?)))`

func countLoadsSQL(agents int) string {
	return `SELECT assignee_id, COUNT(*) FROM tickets
		WHERE status IN ('accepted', 'in_progress', 'waiting') AND assignee_id IN (` + placeholders(agents) + `) GROUP BY assignee_id`
}

// slot is a locked agent during an assignment run.
type slot struct {
	id       int64
	capacity int
	load     int
	seq      int64
}

// AssignQueued assigns the team's queue to its available agents.
func (db *DB) AssignQueued(ctx context.Context, run store.AssignRun) ([]model.Ticket, error) {
	var assigned []int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		assigned, err = db.assignRun(ctx, tx, run)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign team %d: %w", run.TeamID, err)
	}
	out := make([]model.Ticket, 0, len(assigned))
	for _, id := range assigned {
		t, err := db.getTicket(ctx, db.write, store.TicketScope{All: true}, id)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (db *DB) assignRun(ctx context.Context, tx *sql.Tx, run store.AssignRun) ([]int64, error) {
	agents, err := db.lockAgents(ctx, tx, run)
	if err != nil || len(agents) == 0 {
		return nil, err
	}
	// Tickets closed or assigned by hand while queued leave the queue.
	// Tested per queued ticket: the queue is short, the tickets many.
	_, err = tx.ExecContext(ctx, db.q(dequeueHandledSQL), append([]any{run.TeamID}, openStatuses...)...)
	if err != nil {
		return nil, err
	}
	queue, err := db.ids(ctx, tx, `SELECT ticket_id FROM ticket_queue WHERE team_id = ? ORDER BY priority, ticket_id`, run.TeamID)
	if err != nil {
		return nil, err
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(assigned_seq), 0) FROM ticket_agents`).Scan(&seq); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var done []int64
	for _, id := range queue {
		a := pick(agents, run.Mode)
		if a == nil {
			break
		}
		ok, err := db.assignOne(ctx, tx, id, a.id, run.Mode, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		seq++
		a.load, a.seq = a.load+1, seq
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE ticket_agents SET assigned_seq = ? WHERE user_id = ?`), seq, a.id); err != nil {
			return nil, err
		}
		done = append(done, id)
	}
	return done, nil
}

// lockAgents takes the row locks of the team's available agents, in user
// order (so runs for teams sharing agents cannot deadlock), then counts
// their open tickets: every assignment to them holds these locks, so the
// counts stay true until commit.
func (db *DB) lockAgents(ctx context.Context, tx *sql.Tx, run store.AssignRun) ([]*slot, error) {
	lock := ""
	if db.d.Name() == "postgres" {
		lock = " FOR UPDATE" // SQLite: the one write transaction at a time
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT a.user_id, a.capacity, a.assigned_seq FROM ticket_agents a
		WHERE a.available = ? AND a.user_id IN (SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
			WHERE r.role = ? AND r.org_unit_id = ? AND u.disabled = ?)
		ORDER BY a.user_id`+lock), true, string(model.RoleAgent), run.TeamID, false)
	if err != nil {
		return nil, err
	}
	var agents []*slot
	for rows.Next() {
		s := &slot{}
		if err := rows.Scan(&s.id, &s.capacity, &s.seq); err != nil {
			rows.Close()
			return nil, err
		}
		if s.capacity <= 0 {
			s.capacity = run.DefaultCapacity
		}
		agents = append(agents, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(agents) == 0 {
		return nil, err
	}
	return agents, db.countLoads(ctx, tx, agents)
}

func (db *DB) countLoads(ctx context.Context, tx *sql.Tx, agents []*slot) error {
	byID := make(map[int64]*slot, len(agents))
	args := []any{}
	for _, a := range agents {
		byID[a.id] = a
		args = append(args, a.id)
	}
	// Literal statuses, as in tickets_open_assignee: an agent's load is
	// counted over their open tickets, not their whole history.
	return db.scanPairs(ctx, tx, countLoadsSQL(len(agents)), args, func(_ int64, rows *sql.Rows) error {
		var id int64
		var n int
		err := rows.Scan(&id, &n)
		byID[id].load = n
		return err
	})
}

// pick is the agent the next ticket goes to, nil when all are full.
func pick(agents []*slot, mode string) *slot {
	var best *slot
	for _, a := range agents {
		if a.load >= a.capacity {
			continue
		}
		if best == nil || better(a, best, mode) {
			best = a
		}
	}
	return best
}

func better(a, b *slot, mode string) bool {
	if mode != model.AssignRoundRobin && a.load != b.load {
		return a.load < b.load
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return a.id < b.id
}

// assignOne gives a queued ticket to agent and takes it off the queue.
// ok is false when someone assigned or closed it by hand meanwhile (the
// guarded update waits for their row lock and then matches nothing).
func (db *DB) assignOne(ctx context.Context, tx *sql.Tx, ticketID, agent int64, mode string, now time.Time) (ok bool, err error) {
	args := append([]any{agent, ts(now), ticketID}, openStatuses...)
	res, err := tx.ExecContext(ctx, db.q(`UPDATE tickets SET assignee_id = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND assignee_id IS NULL AND status IN (?, ?, ?)`), args...)
	if err != nil {
		return false, fmt.Errorf("assign ticket %d: %w", ticketID, err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM ticket_queue WHERE ticket_id = ?`), ticketID); err != nil || n == 0 {
		return false, err
	}
	return true, db.appendHistory(ctx, tx, []model.TicketChange{{TicketID: ticketID, At: now, Field: "assignee_id",
		To: strconv.FormatInt(agent, 10), Note: mode}})
}
