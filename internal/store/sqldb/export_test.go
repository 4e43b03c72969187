package sqldb

import (
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// PlanQuery is one statement a periodic ticket pass (or a ticket list)
// runs, in the dialect's form, with arguments like the pass's.
type PlanQuery struct {
	Name string
	SQL  string
	Args []any
}

// PassParams are the values the passes would bind.
type PassParams struct {
	Agent                                    store.TicketScope
	Team                                     int64
	ChatCursor, HistoryCursor, CommentCursor int64
}

// TicketPassQueries lists the statements of the ticket passes' idle
// rounds, for the query-plan tests.
func (db *DB) TicketPassQueries(p PassParams) []PlanQuery {
	agent, team := p.Agent, p.Team
	now := ts(time.Now())
	retained := ts(time.Now().Add(-30 * 24 * time.Hour)) // ticket-webhook-retention
	open := []model.TicketStatus{model.TicketAccepted, model.TicketInProgress, model.TicketWaiting}
	out := []PlanQuery{
		{"loop/TicketsToTell", ticketsToTellSQL, []any{0, 100}},
		{"sla/TicketsToClock", ticketsToClockSQL, []any{0, 100}},
		{"sla/DueTicketClocks", dueClocksSQL, []any{now, 100}},
		{"hooks/unseenHistory", unseenHistorySQL, []any{p.HistoryCursor, 200}},
		{"hooks/unseenComments", unseenCommentsSQL, []any{p.CommentCursor, 200}},
		{"hooks/advanceHistory", hookCursorSQL("history"), []any{p.HistoryCursor, now, p.HistoryCursor, "history", "history", p.HistoryCursor}},
		{"hooks/claim", db.claimHookSQL(), []any{"n", now, now, now, true, 32, now}},
		{"hooks/pruneDeliveries", pruneDeliveriesSQL, []any{retained}},
		{"hooks/pruneEvents", pruneEventsSQL, []any{retained}},
		{"chat/TicketChatMessages", chatMessagesSQL, []any{0, 0, p.ChatCursor, string(model.Inbound), ts(time.Now().Add(-7 * 24 * time.Hour)), 500}},
		{"sweep/strays", queueStraysSQL, nil},
		{"dupes/UncheckedTickets", uncheckedTicketsSQL(100), append([]any{now - 10e6, now - 3e6}, workedStatuses...)},
		{"sweep/dequeueHandled", dequeueHandledSQL, append([]any{team}, openStatuses...)},
		{"sweep/countLoads", countLoadsSQL(2), []any{agent.UserID, agent.UserID + 1}},
		{"autoclose/ResolvedTicketsBefore", resolvedBeforeSQL, []any{ts(time.Now().Add(-72 * time.Hour)), 100}},
	}
	for _, l := range []struct {
		name  string
		scope store.TicketScope
		f     store.TicketFilter
	}{
		{"list/agent-open", agent, store.TicketFilter{Status: open}},
		{"list/breached", store.TicketScope{All: true}, store.TicketFilter{SLA: "breached"}},
		{"list/at-risk", store.TicketScope{All: true}, store.TicketFilter{SLA: "at_risk"}},
		{"list/agent-breached-open", agent, store.TicketFilter{SLA: "breached", Status: open}},
	} {
		q, args := listTicketsSQL(l.scope, l.f)
		out = append(out, PlanQuery{l.name, q, args})
	}
	for i := range out {
		out[i].SQL = db.d.Rebind(out[i].SQL)
	}
	return out
}
