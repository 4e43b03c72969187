package api

import (
	"fmt"
	"net/http"

	"switchboard/internal/model"
)

func (a *API) getSLAPolicies(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.sla_policies") {
		return
	}
	p, err := a.tickets.SLAPolicies(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (a *API) putSLAPolicies(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.sla_policies") {
		return
	}
	var in model.SLAPolicies
	err := decode(r, &in)
	if err == nil {
		in, err = a.tickets.SetSLAPolicies(r.Context(), in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.sla_policies", "sla_policies", true, fmt.Sprintf("%d policies", len(in.Policies)))
	writeJSON(w, http.StatusOK, in)
}

func (a *API) getSLACalendars(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.sla_calendars") {
		return
	}
	c, err := a.tickets.SLACalendars(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) putSLACalendars(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.sla_calendars") {
		return
	}
	var in model.SLACalendars
	err := decode(r, &in)
	if err == nil {
		in, err = a.tickets.SetSLACalendars(r.Context(), in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.sla_calendars", "sla_calendars", true, fmt.Sprintf("%d calendars", len(in.Calendars)))
	writeJSON(w, http.StatusOK, in)
}
