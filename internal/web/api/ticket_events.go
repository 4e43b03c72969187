package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// ticketEvents are the ticket events the live stream forwards.
var ticketEvents = []string{bus.TicketCreated, bus.TicketUpdated, bus.TicketStatusChanged}

// ticketViewer decides which ticket events a stream's viewer receives: the
// tickets GET /api/v1/tickets/{id} would show them (their TicketScope),
// evaluated against the ticket as committed.
type ticketViewer struct {
	userID int64
	units  map[int64]bool // nil: every ticket (admin)
}

func (a *API) ticketViewer(r *http.Request) (ticketViewer, error) {
	p := principal(r)
	ts := ticket.ScopeFor(p.User)
	units, err := a.expandUnits(r, ts.All, ts.Units)
	return ticketViewer{userID: p.User.ID, units: units}, err
}

func (v ticketViewer) sees(t *model.Ticket) bool {
	if t == nil {
		return false
	}
	if v.units == nil || v.units[t.OrgUnitID] || (t.TeamID != 0 && v.units[t.TeamID]) {
		return true
	}
	return v.userID != 0 && (t.CreatedBy == v.userID || t.AssigneeID == v.userID || slices.Contains(t.Watchers, v.userID))
}

// ticketEvent is what a ticket event carries on the stream.
type ticketEvent struct {
	Type   string        `json:"type"`
	From   string        `json:"from,omitempty"`
	Ticket *model.Ticket `json:"ticket"`
}

// writeTicketEvent sends a ticket event without an id: ids on the stream
// are message ids, which a reconnecting browser replays from, and tickets
// are not replayed (a reloaded page shows them as they are).
func writeTicketEvent(w http.ResponseWriter, ev bus.Event) {
	b, _ := json.Marshal(ticketEvent{Type: ev.Type, From: ev.From, Ticket: ev.Ticket})
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b)
}
