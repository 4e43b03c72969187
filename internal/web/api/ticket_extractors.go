package api

import (
	"net/http"
	"strconv"

	"switchboard/internal/model"
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
