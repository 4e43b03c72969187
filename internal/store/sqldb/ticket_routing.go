package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/model"
)

const routingSetting = "routing"

// TicketRouting returns the stored routing configuration.
func (db *DB) TicketRouting(ctx context.Context) (model.TicketRouting, bool, error) {
	var r model.TicketRouting
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM ticket_settings WHERE name = ?`), routingSetting).Scan(&v)
	if err == sql.ErrNoRows {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, json.Unmarshal([]byte(v), &r)
}

// SetTicketRouting stores the routing configuration whole.
func (db *DB) SetTicketRouting(ctx context.Context, r model.TicketRouting) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), routingSetting, string(b), ts(time.Now()))
	return err
}

// TicketAgent returns a user's assignment state.
func (db *DB) TicketAgent(ctx context.Context, userID int64) (model.TicketAgent, error) {
	a := model.TicketAgent{UserID: userID}
	err := db.read.QueryRowContext(ctx, db.q(`SELECT available, capacity FROM ticket_agents WHERE user_id = ?`), userID).Scan(&a.Available, &a.Capacity)
	if err == sql.ErrNoRows {
		return a, nil
	}
	return a, err
}

// SetAgentAvailable sets the availability flag. The upsert takes the
// agent's row lock, so it waits for a running assignment of theirs.
func (db *DB) SetAgentAvailable(ctx context.Context, userID int64, available bool) error {
	return db.upsertAgent(ctx, userID, "available", available)
}

// SetAgentCapacity sets the agent's own capacity (0: the default).
func (db *DB) SetAgentCapacity(ctx context.Context, userID int64, capacity int) error {
	return db.upsertAgent(ctx, userID, "capacity", capacity)
}

func (db *DB) upsertAgent(ctx context.Context, userID int64, col string, v any) error {
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_agents (user_id, `+col+`, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET `+col+` = excluded.`+col+`, updated_at = excluded.updated_at`), userID, v, ts(time.Now()))
	if err != nil {
		return fmt.Errorf("agent %d: %s: %w", userID, col, err)
	}
	return nil
}

// AgentTeams lists the units where the user is an agent.
func (db *DB) AgentTeams(ctx context.Context, userID int64) ([]int64, error) {
	return db.ids(ctx, db.read, `SELECT org_unit_id FROM user_roles WHERE user_id = ? AND role = ? ORDER BY org_unit_id`, userID, string(model.RoleAgent))
}

// EnqueueTicket queues a ticket for its team, or moves it to another
// team's queue or priority, and notes a new team in the history.
func (db *DB) EnqueueTicket(ctx context.Context, ticketID, teamID int64, priority string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return db.tx(ctx, func(tx *sql.Tx) error {
		var team int64
		var prio string
		err := tx.QueryRowContext(ctx, db.q(`SELECT team_id, priority FROM ticket_queue WHERE ticket_id = ?`), ticketID).Scan(&team, &prio)
		switch {
		case err == sql.ErrNoRows:
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO ticket_queue (ticket_id, team_id, priority, queued_at) VALUES (?, ?, ?, ?)`),
				ticketID, teamID, priority, ts(now))
		case err == nil && (team != teamID || prio != priority):
			_, err = tx.ExecContext(ctx, db.q(`UPDATE ticket_queue SET team_id = ?, priority = ? WHERE ticket_id = ?`), teamID, priority, ticketID)
		}
		if err != nil || team == teamID {
			return err
		}
		return db.appendHistory(ctx, tx, []model.TicketChange{{TicketID: ticketID, At: now, Field: "queue", From: show(team), To: show(teamID)}})
	})
}

func show(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// ids runs a query of one int64 column.
func (db *DB) ids(ctx context.Context, q Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

const queueStraysSQL = `SELECT id, team_id, priority FROM tickets t
	WHERE team_id IS NOT NULL AND assignee_id IS NULL AND status IN ('accepted', 'in_progress', 'waiting')
	AND NOT EXISTS (SELECT 1 FROM ticket_queue q WHERE q.ticket_id = t.id) ORDER BY id LIMIT 1000`

// QueueWork lists teams with queued tickets and open team tickets that are
// in no queue.
func (db *DB) QueueWork(ctx context.Context) ([]int64, []model.Ticket, error) {
	teams, err := db.ids(ctx, db.read, `SELECT DISTINCT team_id FROM ticket_queue ORDER BY team_id`)
	if err != nil {
		return nil, nil, err
	}
	// The condition repeats tickets_unassigned_open's literally (statuses
	// as literals, not parameters), so both databases read that index.
	rows, err := db.read.QueryContext(ctx, queueStraysSQL)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	strays := []model.Ticket{}
	for rows.Next() {
		var t model.Ticket
		if err := rows.Scan(&t.ID, &t.TeamID, &t.Priority); err != nil {
			return nil, nil, err
		}
		strays = append(strays, t)
	}
	return teams, strays, rows.Err()
}
