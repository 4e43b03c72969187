package sqldb

import (
	"context"
	"fmt"
	"math"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// The closed loop and the SLA clock each keep, per ticket, the version
// they last acted on (ticket_loop.told_version, ticket_sla.version), and
// mirror it on the ticket row (loop_version, clock_version). A partial
// index on the ticket holds exactly the rows whose version moved past the
// mirror, so any write that bumps the version makes the ticket owed with
// no help from the writer, and an idle pass reads an empty index instead
// of joining every ticket with its state every second.

const ticketsToTellSQL = `SELECT t.id, t.version, t.loop_version, l.ticket_id IS NOT NULL,
	COALESCE(l.told_version, 0), COALESCE(l.told_status, ''), COALESCE(l.card_delivery_id, 0),
	t.requester_conversation_id IS NOT NULL OR EXISTS (SELECT 1 FROM ticket_duplicates d WHERE d.survivor_id = t.id)
	FROM tickets t LEFT JOIN ticket_loop l ON l.ticket_id = t.id
	WHERE t.loop_version < t.version AND t.id > ? ORDER BY t.id LIMIT ?`

const ticketsToClockSQL = `SELECT t.id, t.version, t.clock_version, s.ticket_id IS NOT NULL,
	COALESCE(s.version, 0), COALESCE(s.policy, '')
	FROM tickets t LEFT JOIN ticket_sla s ON s.ticket_id = t.id
	WHERE t.clock_version < t.version AND t.id > ? ORDER BY t.id LIMIT ?`

// owedRounds bounds how often one call looks again after putting rows
// right that were in an index with nothing to do.
const owedRounds = 10

// TicketsToTell lists tickets from a conversation (or with duplicates)
// whose version is past the one their requester was last told of. Told is
// zero for a ticket never told (just created).
func (db *DB) TicketsToTell(ctx context.Context, limit int) ([]store.TicketTold, error) {
	var out []store.TicketTold
	after := int64(0)
	for range owedRounds {
		got, last, fixed, err := db.ticketsToTell(ctx, after, limit-len(out))
		if err != nil {
			return nil, fmt.Errorf("tickets to tell: %w", err)
		}
		out = append(out, got...)
		if fixed == 0 || len(out) >= limit {
			break
		}
		after = last
	}
	return out, nil
}

// ticketsToTell reads one batch from tickets_loop_owed; the rows in it
// with nothing owed (no conversation and no duplicates, or told already)
// get their mirror set and fixed counts them. A ticket with no
// conversation stays untold: LinkDuplicate puts it back when it becomes
// a survivor.
func (db *DB) ticketsToTell(ctx context.Context, after int64, limit int) (out []store.TicketTold, last int64, fixed int, err error) {
	rows, err := db.read.QueryContext(ctx, db.q(ticketsToTellSQL), after, limit)
	if err != nil {
		return nil, 0, 0, err
	}
	type stale struct{ id, seen, to int64 }
	var fix []stale
	for rows.Next() {
		var t store.TicketTold
		var version, mirror int64
		var told, wanted bool
		var status string
		if err := rows.Scan(&t.TicketID, &version, &mirror, &told, &t.Version, &status, &t.CardDeliveryID, &wanted); err != nil {
			rows.Close()
			return nil, 0, 0, err
		}
		t.Status, last = model.TicketStatus(status), t.TicketID
		switch {
		case wanted && (!told || t.Version < version):
			out = append(out, t)
		case told:
			fix = append(fix, stale{t.TicketID, mirror, t.Version})
		default:
			fix = append(fix, stale{t.TicketID, mirror, version})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	for _, f := range fix {
		// Only if nobody moved the mirror meanwhile (LinkDuplicate resets it).
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE tickets SET loop_version = ? WHERE id = ? AND loop_version = ?`),
			f.to, f.id, f.seen); err != nil {
			return nil, 0, 0, err
		}
	}
	return out, last, len(fix), nil
}

// TicketsToClock lists tickets changed since their clocks were computed
// (never computed, or older than the ticket and not NoSLA).
func (db *DB) TicketsToClock(ctx context.Context, limit int) ([]int64, error) {
	var out []int64
	after := int64(0)
	for range owedRounds {
		got, last, fixed, err := db.ticketsToClock(ctx, after, limit-len(out))
		if err != nil {
			return nil, fmt.Errorf("tickets to clock: %w", err)
		}
		out = append(out, got...)
		if fixed == 0 || len(out) >= limit {
			break
		}
		after = last
	}
	return out, nil
}

func (db *DB) ticketsToClock(ctx context.Context, after int64, limit int) (out []int64, last int64, fixed int, err error) {
	rows, err := db.read.QueryContext(ctx, db.q(ticketsToClockSQL), after, limit)
	if err != nil {
		return nil, 0, 0, err
	}
	type stale struct{ id, seen, to int64 }
	var fix []stale
	for rows.Next() {
		var id, version, mirror, clocked int64
		var has bool
		var policy string
		if err := rows.Scan(&id, &version, &mirror, &has, &clocked, &policy); err != nil {
			rows.Close()
			return nil, 0, 0, err
		}
		last = id
		switch {
		case !has || (clocked < version && policy != store.NoSLA):
			out = append(out, id)
		case policy == store.NoSLA:
			fix = append(fix, stale{id, mirror, math.MaxInt64})
		default:
			fix = append(fix, stale{id, mirror, clocked})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	for _, f := range fix {
		if _, err := db.write.ExecContext(ctx, db.q(`UPDATE tickets SET clock_version = ? WHERE id = ? AND clock_version = ?`),
			f.to, f.id, f.seen); err != nil {
			return nil, 0, 0, err
		}
	}
	return out, last, len(fix), nil
}

// breachAt is the moment a clock is breached from and the one it is
// warned from, as ListTickets' sla filter reads them: 1 for a breach that
// stands whatever the time (a late first response, a resolution frozen
// past due), 0 for none. A running clock is breached at its due.
func breachAt(c store.TicketClock) (breach, warn int64) {
	fd, fa, rd, fr := ts(c.FirstDue), ts(c.FirstResponseAt), ts(c.ResolutionDue), ts(c.FrozenAt)
	earliest := func(a, b int64) int64 {
		if a == 0 || (b != 0 && b < a) {
			return b
		}
		return a
	}
	switch {
	case fd > 0 && fa == 0:
		breach, warn = fd, max(ts(c.FirstWarn), 1)
	case fd > 0 && fa > fd:
		breach = 1
	}
	switch {
	case rd > 0 && fr == 0:
		breach, warn = earliest(breach, rd), earliest(warn, max(ts(c.ResolutionWarn), 1))
	case rd > 0 && fr >= rd:
		breach = earliest(breach, 1)
	}
	return breach, warn
}
