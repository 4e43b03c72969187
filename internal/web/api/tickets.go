package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

func caller(r *http.Request) ticket.Caller {
	p := principal(r)
	return ticket.Caller{User: p.User, MessageScope: p.Scope}
}

func ticketResource(id int64) string {
	if id == 0 {
		return "tickets" // a creation refused before there was a ticket
	}
	return "ticket:" + strconv.FormatInt(id, 10)
}

// ticketFail audits a refused ticket action before answering. A ticket the
// caller cannot see but that exists is 403 (and audited), like messages;
// one that does not exist is 404.
func (a *API) ticketFail(w http.ResponseWriter, r *http.Request, action string, id int64, err error) {
	if errors.Is(err, store.ErrNotFound) && id != 0 && !principal(r).Scope.All {
		if _, e := a.Store.GetTicket(r.Context(), store.TicketScope{All: true}, id); e == nil {
			err = errcode.Forbidden.With("ticket %d belongs to another department", id)
		}
	}
	if errors.Is(err, errcode.Forbidden) {
		a.Audit.Deny(r, action, ticketResource(id), err.Error())
	}
	a.fail(w, r, err)
}

func (a *API) createTicket(w http.ResponseWriter, r *http.Request) {
	var in ticket.Create
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	t, created, err := a.tickets.Create(r.Context(), caller(r), in)
	if err != nil {
		a.ticketFail(w, r, "ticket.create", 0, err)
		return
	}
	status := http.StatusOK // an existing ticket made from the same messages
	if created {
		status = http.StatusCreated
		a.Audit.Record(r, "ticket.create", ticketResource(t.ID), true, t.Key+" "+t.Type)
	}
	writeJSON(w, status, t)
}

// parseTicketFilter reads ticket filters from the query string.
func parseTicketFilter(r *http.Request) (store.TicketFilter, error) {
	q := r.URL.Query()
	f := store.TicketFilter{Type: q.Get("type"), Priority: q.Get("priority"), Query: strings.TrimSpace(q.Get("q")), Limit: 50}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"assignee_id", &f.AssigneeID}, {"org_unit_id", &f.OrgUnitID}, {"requester_id", &f.RequesterID}, {"cursor", &f.Before}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, errcode.BadCursor.With("%s=%q is not a number", p.name, v)
			}
			*p.dst = n
		}
	}
	if v := q.Get("status"); v != "" {
		for _, s := range strings.Split(v, ",") {
			st := model.TicketStatus(strings.TrimSpace(s))
			if !ticket.KnownStatus(st) {
				return f, errcode.BadCursor.With("status=%q is not a ticket status", s)
			}
			f.Status = append(f.Status, st)
		}
	}
	if err := addListFilters(r, &f); err != nil {
		return f, err
	}
	if f.Priority != "" && !ticket.KnownPriority(f.Priority) {
		return f, errcode.BadCursor.With("priority=%q: want P1, P2, P3 or P4", f.Priority)
	}
	if f.SLA = q.Get("sla"); f.SLA != "" && f.SLA != "breached" && f.SLA != "at_risk" {
		return f, errcode.BadSLAFilter.With("sla=%q", f.SLA)
	}
	if n, err := parseLimit(q.Get("limit")); err != nil {
		return f, err
	} else if n > 0 {
		f.Limit = n
	}
	return f, nil
}

type ticketPage struct {
	Items      []model.Ticket `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request) {
	f, err := parseTicketFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p := principal(r)
	if f.OrgUnitID != 0 {
		// Like message filters: asking for a unit outside one's own is an
		// empty page and an audit entry.
		ok, err := a.inScope(r.Context(), p.Scope, f.OrgUnitID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if !ok {
			a.Audit.Deny(r, "ticket.list", "org_unit:"+strconv.FormatInt(f.OrgUnitID, 10), "filter outside the caller's org units")
			writeJSON(w, http.StatusOK, ticketPage{Items: []model.Ticket{}})
			return
		}
	}
	items, err := a.Store.ListTickets(r.Context(), ticket.ScopeFor(p.User), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page := ticketPage{Items: items}
	if len(items) == f.Limit {
		page.NextCursor = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.tickets.Get(r.Context(), caller(r), id)
	if err != nil {
		a.ticketFail(w, r, "ticket.read", id, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *API) patchTicket(w http.ResponseWriter, r *http.Request) {
	var p ticket.Patch
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &p)
	}
	var t model.Ticket
	if err == nil {
		t, err = a.tickets.Update(r.Context(), caller(r), id, p)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.update", id, err)
		return
	}
	a.Audit.Record(r, "ticket.update", ticketResource(id), true, t.Key+" version "+strconv.FormatInt(t.Version, 10))
	writeJSON(w, http.StatusOK, t)
}

func (a *API) transitionTicket(w http.ResponseWriter, r *http.Request) {
	var tr ticket.Transition
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &tr)
	}
	var t model.Ticket
	if err == nil {
		t, err = a.tickets.Move(r.Context(), caller(r), id, tr)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.transition", id, err)
		return
	}
	a.Audit.Record(r, "ticket.transition", ticketResource(id), true, t.Key+" → "+string(t.Status))
	writeJSON(w, http.StatusOK, t)
}

func (a *API) commentTicket(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body   string `json:"body"`
		Public bool   `json:"public"`
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	var c model.TicketComment
	if err == nil {
		c, err = a.tickets.Comment(r.Context(), caller(r), id, in.Body, in.Public)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.comment", id, err)
		return
	}
	a.Audit.Record(r, "ticket.comment", ticketResource(id), true, "public="+strconv.FormatBool(c.Public))
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) listTicketTypes(w http.ResponseWriter, r *http.Request) {
	types, err := a.Store.TicketTypes(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": types})
}

type weightsDoc struct {
	Weights       model.PriorityWeights `json:"weights"`
	Default       bool                  `json:"default"` // no admin has set weights yet
	DefaultWeight model.PriorityWeights `json:"default_weights"`
	Thresholds    string                `json:"thresholds"`
}

func (a *API) weightsDoc(r *http.Request) (weightsDoc, error) {
	w, ok, err := a.Store.PriorityWeights(r.Context())
	if !ok {
		w = ticket.DefaultWeights
	}
	return weightsDoc{Weights: w, Default: !ok, DefaultWeight: ticket.DefaultWeights,
		Thresholds: ticket.Score(model.PriorityFactors{}, w).Thresholds}, err
}

func (a *API) getPriorityWeights(w http.ResponseWriter, r *http.Request) {
	doc, err := a.weightsDoc(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (a *API) putPriorityWeights(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.weights") {
		return
	}
	var in model.PriorityWeights
	err := decode(r, &in)
	if err == nil {
		err = a.tickets.SetWeights(r.Context(), in)
	}
	var doc weightsDoc
	if err == nil {
		doc, err = a.weightsDoc(r)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.weights", "priority_weights", true, "")
	writeJSON(w, http.StatusOK, doc)
}
