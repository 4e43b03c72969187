package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// TicketLoad is a company's ticket history at scale, for the benchmarks
// and query-plan tests of the periodic ticket passes: Tickets tickets, one
// a minute back from now, nearly all closed (every 333rd open, a tenth of
// those unassigned and queued), Owed of them changed since the closed
// loop and the SLA clock last looked, a tenth of the closed ones breached;
// two history rows per ticket and a comment on every tenth, all recorded
// as webhook events; Messages messages in 5,000 conversations, the ticket
// conversation pass's cursor Fresh messages behind the newest.
type TicketLoad struct {
	Tickets, Owed, Messages, Fresh int

	// Filled in by Seed.
	Root, DeptA, TeamA, DeptB int64
	Agent, Webhook            int64
	ChatCursor                int64
}

// AgentScope is what an agent of TeamA sees.
func (l TicketLoad) AgentScope() store.TicketScope {
	return store.TicketScope{Units: []int64{l.TeamA}, UserID: l.Agent}
}

// Seed writes the load: the org, users and one prototype ticket and
// message through s (so sealed columns are real), the bulk with SQL
// through raw, which must reach the same database. dialect is "sqlite" or
// "postgres".
func (l *TicketLoad) Seed(ctx context.Context, s store.Store, raw *sql.DB, dialect string) error {
	if err := l.seedOrg(ctx, s); err != nil {
		return err
	}
	now := time.Now().UnixMicro()
	minute := time.Minute.Microseconds()
	vars := strings.NewReplacer("{N}", fmt.Sprint(l.Tickets), "{M}", fmt.Sprint(l.Messages), "{NOW}", fmt.Sprint(now),
		"{MIN}", fmt.Sprintf("CAST(%d AS BIGINT)", minute), "{HOUR}", fmt.Sprintf("CAST(%d AS BIGINT)", 60*minute), "{DEPTA}", fmt.Sprint(l.DeptA), "{DEPTB}", fmt.Sprint(l.DeptB),
		"{TEAM}", fmt.Sprint(l.TeamA), "{AGENT}", fmt.Sprint(l.Agent), "{HOOK}", fmt.Sprint(l.Webhook),
		"{OWED}", fmt.Sprint(max(l.Tickets/max(l.Owed, 1), 1)), "{FRESH}", fmt.Sprint(l.Fresh))
	for i, q := range ticketLoadSQL {
		if _, err := raw.ExecContext(ctx, vars.Replace(q)); err != nil {
			return fmt.Errorf("ticket load step %d: %w", i, err)
		}
	}
	if dialect == "postgres" {
		// The rows came in with explicit ids nowhere, but statistics are
		// what a database that grew to this size would have.
		if _, err := raw.ExecContext(ctx, `ANALYZE`); err != nil {
			return err
		}
	}
	return raw.QueryRowContext(ctx, `SELECT message_id FROM ticket_chat_cursor WHERE id = 1`).Scan(&l.ChatCursor)
}

func (l *TicketLoad) seedOrg(ctx context.Context, s store.Store) error {
	mk := func(parent int64, name, kind string) int64 {
		u, err := s.CreateOrgUnit(ctx, model.OrgUnit{ParentID: parent, Name: name, Kind: kind})
		if err != nil {
			panic(fmt.Sprintf("org unit %s: %v", name, err))
		}
		return u.ID
	}
	l.Root = mk(0, "Load", "company")
	l.DeptA = mk(l.Root, "Support", "department")
	l.TeamA = mk(l.DeptA, "售后", "team")
	l.DeptB = mk(l.Root, "Finance", "department")
	u, err := s.CreateUser(ctx, model.User{Login: "load-agent", Name: "Agent",
		Roles: []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: l.TeamA}}})
	if err != nil {
		return err
	}
	l.Agent = u.ID
	// Available, but holding more open tickets than the capacity the
	// benchmarks give: a queue run assigns nothing.
	if err := s.SetAgentAvailable(ctx, u.ID, true); err != nil {
		return err
	}
	ch, err := s.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "load", OrgUnitID: l.DeptA, Config: []byte(`{}`), Enabled: true})
	if err != nil {
		return err
	}
	at := time.Now()
	if _, _, err := s.AcceptInbox(ctx, []store.InboxEntry{{Target: &store.Target{OrgUnitID: l.DeptA, Kind: "webhook"},
		Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: "proto", ConvID: "proto", SenderID: "proto", Kind: model.KindText,
			Text: "打印机又没纸了 the printer is out of paper", SentAt: at, ReceivedAt: at}}}); err != nil {
		return err
	}
	proto := sampleTicket(l.DeptA, "prototype")
	proto.Status, proto.Description = model.TicketClosed, "客户说：打印机又没纸了"
	if _, _, err := s.CreateTicket(ctx, store.NewTicket{Ticket: proto}); err != nil {
		return err
	}
	w, err := s.CreateTicketWebhook(ctx, model.TicketWebhook{Name: "crm", URL: "https://crm.example/hook", Secret: "s",
		Events: []string{model.HookTicketStatusChanged}, Active: true})
	l.Webhook = w.ID
	return err
}

// ticketLoadSQL is portable SQL (SQLite and PostgreSQL). Ticket i is
// number 1000000+i; its properties follow from i.
var ticketLoadSQL = []string{
	`INSERT INTO tickets (number, type, title, description, status, priority, score, factors, explanation,
		requester_name, requester_conversation_id, requester_external_id, org_unit_id, team_id, assignee_id,
		category, fields, due_at, version, created_at, updated_at, resolved_at, closed_at, csat)
	WITH RECURSIVE seq(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM seq WHERE i < {N})
	SELECT 1000000 + i, 'incident', 'load ticket ' || i, (SELECT description FROM tickets ORDER BY id LIMIT 1),
		CASE WHEN i % 333 <> 0 THEN 'closed' WHEN i % 3 = 0 THEN 'accepted' WHEN i % 3 = 1 THEN 'in_progress' ELSE 'waiting' END,
		'P3', 40, '{}', '{}', 'customer', CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + i % 5000 END, 'c' || i,
		CASE WHEN i % 2 = 0 THEN {DEPTA} ELSE {DEPTB} END, CASE WHEN i % 2 = 0 THEN {TEAM} ELSE NULL END,
		CASE WHEN i % 3330 = 0 THEN NULL WHEN i % 4 = 0 THEN {AGENT} ELSE NULL END,
		'', '{}', 0, CASE WHEN i % {OWED} = 7 THEN 4 ELSE 3 END,
		{NOW} - ({N} - i) * {MIN}, {NOW} - ({N} - i) * {MIN}, 0,
		CASE WHEN i % 333 = 0 THEN 0 ELSE {NOW} - ({N} - i) * {MIN} + 4 * {HOUR} END, 0
	FROM seq`,
	// Told and clocked at version 3: the Owed tickets at version 4 are owed.
	`INSERT INTO ticket_loop (ticket_id, told_version, told_status, card_delivery_id)
	SELECT id, 3, status, 0 FROM tickets WHERE number > 1000000 AND requester_conversation_id IS NOT NULL`,
	`INSERT INTO ticket_sla (ticket_id, version, policy, cycle, first_due, first_warn, first_at, resolution_due, resolution_warn,
		frozen_at, paused, next_at)
	SELECT id, 3, 'standard', 1, created_at + {HOUR}, created_at + 45 * {MIN}, created_at + 30 * {MIN},
		created_at + 8 * {HOUR}, created_at + 6 * {HOUR},
		CASE WHEN status <> 'closed' THEN 0 WHEN number % 10 = 0 THEN created_at + 10 * {HOUR} ELSE created_at + 4 * {HOUR} END,
		0, CASE WHEN status = 'closed' THEN 0 ELSE {NOW} + {HOUR} END
	FROM tickets WHERE number > 1000000`,
	// As the passes leave them: the mirrors of told and clocked versions,
	// the moments each clock is breached and warned from.
	`UPDATE tickets SET loop_version = 3, clock_version = 3 WHERE number > 1000000`,
	`UPDATE ticket_sla SET breach_at = CASE WHEN frozen_at = 0 THEN resolution_due WHEN frozen_at >= resolution_due THEN 1 ELSE 0 END,
		warn_at = CASE WHEN frozen_at = 0 THEN resolution_warn ELSE 0 END`,
	`INSERT INTO ticket_history (ticket_id, at, field, old_value, new_value, note)
	SELECT id, created_at, 'created', '', 'accepted', '' FROM tickets WHERE number > 1000000`,
	`INSERT INTO ticket_history (ticket_id, at, field, old_value, new_value, note)
	SELECT id, closed_at, 'status', 'accepted', 'closed', '' FROM tickets WHERE number > 1000000 AND status = 'closed'`,
	`INSERT INTO ticket_comments (ticket_id, body, public, created_at)
	SELECT id, description, TRUE, created_at + {MIN} FROM tickets WHERE number > 1000000 AND number % 10 = 0`,
	`INSERT INTO ticket_hook_events (source, source_id, type, ticket_id, internal, occurred_at, payload)
	SELECT 'history', id, CASE WHEN field = 'status' THEN 'ticket.status_changed' ELSE 'ticket.created' END, ticket_id, FALSE, at,
		(SELECT description FROM tickets ORDER BY id LIMIT 1) FROM ticket_history`,
	`INSERT INTO ticket_hook_events (source, source_id, type, ticket_id, internal, occurred_at, payload)
	SELECT 'comment', id, 'ticket.commented', ticket_id, FALSE, created_at, body FROM ticket_comments`,
	`INSERT INTO ticket_hook_deliveries (webhook_id, event_id, ticket_id, state, attempts, next_at, response_code, latency_ms,
		created_at, updated_at)
	SELECT {HOOK}, id, ticket_id, 'delivered', 1, 0, 200, 5, occurred_at, occurred_at FROM ticket_hook_events
	WHERE type = 'ticket.status_changed'`,
	// The cursors lag a little, as they do 10 minutes after the last change.
	`UPDATE ticket_hook_cursor SET below_id = (SELECT COALESCE(MAX(id), 0) - 100 FROM ticket_history) WHERE source = 'history'`,
	`UPDATE ticket_hook_cursor SET below_id = (SELECT COALESCE(MAX(id), 0) - 10 FROM ticket_comments) WHERE source = 'comment'`,
	`INSERT INTO ticket_dupe_checks (ticket_id, outcome, checked_at)
	SELECT id, 'none', created_at FROM tickets WHERE number > 1000000`,
	`INSERT INTO ticket_queue (ticket_id, team_id, priority, queued_at)
	SELECT id, team_id, priority, created_at FROM tickets
	WHERE team_id IS NOT NULL AND assignee_id IS NULL AND status IN ('accepted', 'in_progress', 'waiting')`,
	`INSERT INTO messages (channel_id, channel_kind, org_unit_id, conversation_id, external_id, direction,
		sender_name, kind, body, sent_at, received_at)
	WITH RECURSIVE seq(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM seq WHERE i < {M})
	SELECT (SELECT channel_id FROM messages ORDER BY id LIMIT 1), 'webhook', {DEPTA}, 1 + i % 5000, 'load' || i,
		CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END, 'n', 'text', (SELECT body FROM messages ORDER BY id LIMIT 1),
		{NOW} - ({M} - i) * 1000, {NOW} - ({M} - i) * 1000
	FROM seq`,
	`UPDATE ticket_chat_cursor SET message_id = (SELECT MAX(id) - {FRESH} FROM messages) WHERE id = 1`,
}
