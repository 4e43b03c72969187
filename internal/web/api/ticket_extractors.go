package api

import (
	"errors"
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// extractorsDoc is GET/PUT /api/v1/ticket-extractors.
type extractorsDoc struct {
	Extractors []model.TicketExtractor `json:"extractors"`
	Default    bool                    `json:"default"` // no admin has set extractors yet: these are the built-in ones
}

func (a *API) getTicketExtractors(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.extractors") {
		return
	}
	ex, def, err := a.tickets.Extractors(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, extractorsDoc{Extractors: ex, Default: def})
}

func (a *API) putTicketExtractors(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.extractors") {
		return
	}
	var in struct {
		Extractors []model.TicketExtractor `json:"extractors"`
	}
	err := decode(r, &in)
	if err == nil {
		if in.Extractors == nil {
			in.Extractors = []model.TicketExtractor{}
		}
		err = a.tickets.SetExtractors(r.Context(), in.Extractors)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.extractors", "ticket_extractors", true, strconv.Itoa(len(in.Extractors))+" extractors")
	writeJSON(w, http.StatusOK, extractorsDoc{Extractors: in.Extractors})
}

// CreateTicket creates a ticket for the console as POST /api/v1/tickets
// does (audited, idempotent by source message); created is false when the
// messages already belong to a ticket, which is returned.
func (a *API) CreateTicket(r *http.Request, in ticket.Create) (model.Ticket, bool, error) {
	t, created, err := a.tickets.Create(r.Context(), caller(r), in)
	if err != nil {
		if errors.Is(err, errcode.Forbidden) {
			a.Audit.Deny(r, "ticket.create", ticketResource(0), err.Error())
		}
		return t, false, err
	}
	if created {
		a.Audit.Record(r, "ticket.create", ticketResource(t.ID), true, t.Key+" "+t.Type)
	}
	return t, created, nil
}

// Ticket returns a ticket the caller may see, for the console.
func (a *API) Ticket(r *http.Request, id int64) (model.Ticket, error) {
	return a.Store.GetTicket(r.Context(), ticket.ScopeFor(principal(r).User), id)
}

// TicketTypes lists the ticket types, for the console's forms.
func (a *API) TicketTypes(r *http.Request) ([]model.TicketType, error) {
	return a.Store.TicketTypes(r.Context())
}
