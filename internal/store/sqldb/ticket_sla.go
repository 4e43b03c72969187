package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

const (
	slaPoliciesSetting  = "sla_policies"
	slaCalendarsSetting = "sla_calendars"
)

// SLAPolicies returns the stored SLA policies.
func (db *DB) SLAPolicies(ctx context.Context) (model.SLAPolicies, bool, error) {
	var p model.SLAPolicies
	ok, err := db.ticketSetting(ctx, slaPoliciesSetting, &p)
	return p, ok, err
}

// SetSLAPolicies stores the SLA policies.
func (db *DB) SetSLAPolicies(ctx context.Context, p model.SLAPolicies) error {
	return db.setTicketSetting(ctx, slaPoliciesSetting, p)
}

// SLACalendars returns the stored business-hours calendars.
func (db *DB) SLACalendars(ctx context.Context) (model.SLACalendars, bool, error) {
	var c model.SLACalendars
	ok, err := db.ticketSetting(ctx, slaCalendarsSetting, &c)
	return c, ok, err
}

// SetSLACalendars stores the business-hours calendars.
func (db *DB) SetSLACalendars(ctx context.Context, c model.SLACalendars) error {
	return db.setTicketSetting(ctx, slaCalendarsSetting, c)
}

func (db *DB) ticketSetting(ctx context.Context, name string, dst any) (bool, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT value FROM ticket_settings WHERE name = ?`), name).Scan(&v)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ticket setting %s: %w", name, err)
	}
	return true, json.Unmarshal([]byte(v), dst)
}

func (db *DB) setTicketSetting(ctx context.Context, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO ticket_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`), name, string(b), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("ticket setting %s: %w", name, err)
	}
	return nil
}

const clockCols = `ticket_id, version, policy, cycle, first_due, first_warn, first_at, resolution_due, resolution_warn,
	frozen_at, paused, next_at`

// SaveTicketClock upserts a clock, never over a newer version, with the
// moments it is breached and warned from (see breachAt), and mirrors the
// version on the ticket (tickets.clock_version; NoSLA clocks are never
// computed again, so theirs is the largest).
func (db *DB) SaveTicketClock(ctx context.Context, c store.TicketClock) error {
	breach, warn := breachAt(c)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO ticket_sla (`+clockCols+`, breach_at, warn_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, policy = excluded.policy, cycle = excluded.cycle,
		first_due = excluded.first_due, first_warn = excluded.first_warn, first_at = excluded.first_at,
		resolution_due = excluded.resolution_due, resolution_warn = excluded.resolution_warn, frozen_at = excluded.frozen_at,
		paused = excluded.paused, next_at = excluded.next_at, breach_at = excluded.breach_at, warn_at = excluded.warn_at
		WHERE ticket_sla.version <= excluded.version`),
			c.TicketID, c.Version, c.Policy, c.Cycle, ts(c.FirstDue), ts(c.FirstWarn), ts(c.FirstResponseAt), ts(c.ResolutionDue),
			ts(c.ResolutionWarn), ts(c.FrozenAt), boolInt(c.Paused), ts(c.NextAt), breach, warn)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE tickets SET clock_version = (SELECT CASE WHEN s.policy = ? THEN ? ELSE s.version END
			FROM ticket_sla s WHERE s.ticket_id = ?) WHERE id = ?`), store.NoSLA, int64(math.MaxInt64), c.TicketID, c.TicketID)
		return err
	})
	if err != nil {
		return fmt.Errorf("ticket %d clock: %w", c.TicketID, err)
	}
	return nil
}

func scanClock(sc interface{ Scan(...any) error }) (store.TicketClock, error) {
	var c store.TicketClock
	var fd, fw, fa, rd, rw, fr, next int64
	var paused int
	err := sc.Scan(&c.TicketID, &c.Version, &c.Policy, &c.Cycle, &fd, &fw, &fa, &rd, &rw, &fr, &paused, &next)
	c.FirstDue, c.FirstWarn, c.FirstResponseAt = fromTS(fd), fromTS(fw), fromTS(fa)
	c.ResolutionDue, c.ResolutionWarn, c.FrozenAt, c.NextAt = fromTS(rd), fromTS(rw), fromTS(fr), fromTS(next)
	c.Paused = paused == 1
	return c, err
}

// TicketClock returns one ticket's clock.
func (db *DB) TicketClock(ctx context.Context, ticketID int64) (store.TicketClock, error) {
	c, err := scanClock(db.read.QueryRowContext(ctx, db.q(`SELECT `+clockCols+` FROM ticket_sla WHERE ticket_id = ?`), ticketID))
	return c, notFound(err, "ticket clock", ticketID)
}

const dueClocksSQL = `SELECT ` + clockCols + ` FROM ticket_sla WHERE next_at > 0 AND next_at <= ? ORDER BY next_at LIMIT ?`

// DueTicketClocks lists clocks with an event possibly owed by now.
func (db *DB) DueTicketClocks(ctx context.Context, now time.Time, limit int) ([]store.TicketClock, error) {
	rows, err := db.read.QueryContext(ctx, db.q(dueClocksSQL), ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due ticket clocks: %w", err)
	}
	defer rows.Close()
	var out []store.TicketClock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetClockNext moves a clock's next moment if the clock is still at version.
func (db *DB) SetClockNext(ctx context.Context, ticketID, version int64, next time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE ticket_sla SET next_at = ? WHERE ticket_id = ? AND version = ?`),
		ts(next), ticketID, version)
	return err
}

// ClaimSLAEvent inserts ev leased to owner, or takes over an unfinished
// one whose lease ran out; the unique key makes one claimant win.
func (db *DB) ClaimSLAEvent(ctx context.Context, ev store.SLAEvent, owner string, now, until time.Time) (bool, error) {
	var id int64
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO ticket_sla_events (ticket_id, kind, cycle, n, done, owner, lease_until, created_at)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (ticket_id, kind, cycle, n) DO UPDATE SET owner = excluded.owner,
		lease_until = excluded.lease_until WHERE ticket_sla_events.done = 0 AND ticket_sla_events.lease_until < ?
		RETURNING ticket_id`), ev.TicketID, ev.Kind, ev.Cycle, ev.N, owner, ts(until), ts(now), ts(now)).Scan(&id)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim sla event %v: %w", ev, err)
	}
	return true, nil
}

// FinishSLAEvent marks ev done and writes t with it, in one transaction.
func (db *DB) FinishSLAEvent(ctx context.Context, ev store.SLAEvent, owner string, t *model.Ticket, changes []model.TicketChange) (model.Ticket, error) {
	var out model.Ticket
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE ticket_sla_events SET done = 1, lease_until = 0
			WHERE ticket_id = ? AND kind = ? AND cycle = ? AND n = ? AND owner = ? AND done = 0`), ev.TicketID, ev.Kind, ev.Cycle, ev.N, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sla event %v is not held by %s: %w", ev, owner, store.ErrStale)
		}
		if t == nil {
			return nil
		}
		out, err = db.updateTicketTx(ctx, tx, *t, changes)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("finish sla event: %w", err)
	}
	return out, nil
}

// addSLAFilter keeps tickets whose clocks are breached, or at risk
// (warned, not breached), as of now: a clock is breached from breach_at
// and warned from warn_at (0: never), both indexed.
func addSLAFilter(w *where, f store.TicketFilter) {
	now := ts(time.Now())
	switch f.SLA {
	case "breached":
		w.add(`t.id IN (SELECT s.ticket_id FROM ticket_sla s WHERE s.breach_at > 0 AND s.breach_at <= ?)`, now)
	case "at_risk":
		w.add(`t.id IN (SELECT s.ticket_id FROM ticket_sla s WHERE s.warn_at > 0 AND s.warn_at <= ?
			AND NOT (s.breach_at > 0 AND s.breach_at <= ?))`, now, now)
	}
}

// SLAEventDone reports whether ev exists and was finished.
func (db *DB) SLAEventDone(ctx context.Context, ev store.SLAEvent) (bool, error) {
	var done int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT done FROM ticket_sla_events WHERE ticket_id = ? AND kind = ? AND cycle = ? AND n = ?`),
		ev.TicketID, ev.Kind, ev.Cycle, ev.N).Scan(&done)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return done == 1, err
}
