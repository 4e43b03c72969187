package api

import (
	"fmt"
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

func (a *API) getTicketRouting(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.routing") {
		return
	}
	doc, err := a.tickets.Routing(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) putTicketRouting(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.routing") {
		return
	}
	var in model.TicketRouting
	err := decode(r, &in)
	if err == nil {
		in, err = a.tickets.SetRouting(r.Context(), in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.routing", "ticket_routing", true,
		fmt.Sprintf("%d rules, %d teams, default capacity %d", len(in.Rules), len(in.Teams), in.DefaultCapacity))
	writeJSON(w, http.StatusOK, in)
}

func (a *API) putMyAvailability(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Available *bool `json:"available"`
	}
	err := decode(r, &in)
	if err == nil && in.Available == nil {
		err = errcode.MissingField.With("available")
	}
	var ag model.TicketAgent
	if err == nil {
		ag, err = a.tickets.SetAvailable(r.Context(), caller(r), *in.Available)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.availability", 0, err)
		return
	}
	a.Audit.Record(r, "ticket.availability", "user:"+strconv.FormatInt(ag.UserID, 10), true, "available="+strconv.FormatBool(ag.Available))
	writeJSON(w, http.StatusOK, ag)
}

func (a *API) putAgentCapacity(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.capacity") {
		return
	}
	var in struct {
		Capacity *int `json:"capacity"`
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil && in.Capacity == nil {
		err = errcode.MissingField.With("capacity")
	}
	var ag model.TicketAgent
	if err == nil {
		ag, err = a.tickets.SetCapacity(r.Context(), id, *in.Capacity)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.capacity", "user:"+strconv.FormatInt(id, 10), true, "capacity="+strconv.Itoa(ag.Capacity))
	writeJSON(w, http.StatusOK, ag)
}
