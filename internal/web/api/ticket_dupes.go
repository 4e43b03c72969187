package api

import (
	"fmt"
	"net/http"
	"strconv"

	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

type dupSettingsDoc struct {
	model.DuplicateSettings
	Default bool `json:"default"` // no admin has set them yet
}

func (a *API) getDuplicateSettings(w http.ResponseWriter, r *http.Request) {
	_, ok, err := a.Store.DuplicateSettings(r.Context())
	var d model.DuplicateSettings
	if err == nil {
		d, err = a.tickets.DuplicateSettings(r.Context())
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dupSettingsDoc{DuplicateSettings: d, Default: !ok})
}

func (a *API) putDuplicateSettings(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket.duplicates") {
		return
	}
	var in model.DuplicateSettings
	err := decode(r, &in)
	if err == nil {
		in, err = a.tickets.SetDuplicateSettings(r.Context(), in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket.duplicates", "ticket_duplicates", true,
		fmt.Sprintf("enabled=%v suggest=%.2f link=%.2f", in.Enabled, in.Suggest, in.Link))
	writeJSON(w, http.StatusOK, dupSettingsDoc{DuplicateSettings: in})
}

// mentionedItem is a most-mentioned ticket with who raised it.
type mentionedItem struct {
	store.MentionedTicket
	Mentions model.Mentions `json:"mentions"`
}

// mostMentioned lists open tickets in scope (unless status says otherwise)
// by how often their need was raised.
func (a *API) mostMentioned(w http.ResponseWriter, r *http.Request) {
	f, err := parseTicketFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("limit") == "" {
		f.Limit = 20
	}
	if len(f.Status) == 0 {
		f.Status = []model.TicketStatus{model.TicketAccepted, model.TicketConfirmed, model.TicketInProgress, model.TicketWaiting}
	}
	p := principal(r)
	if f.OrgUnitID != 0 {
		ok, err := a.inScope(r.Context(), p.Scope, f.OrgUnitID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if !ok {
			a.Audit.Deny(r, "ticket.list", "org_unit:"+strconv.FormatInt(f.OrgUnitID, 10), "filter outside the caller's org units")
			writeJSON(w, http.StatusOK, map[string]any{"items": []mentionedItem{}})
			return
		}
	}
	list, err := a.Store.MostMentioned(r.Context(), ticket.ScopeFor(p.User), f)
	items := make([]mentionedItem, 0, len(list))
	for _, t := range list {
		var m model.Mentions
		if err == nil {
			m, err = a.Store.Mentions(r.Context(), t.ID)
		}
		items = append(items, mentionedItem{MentionedTicket: t, Mentions: m})
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) mergeTicket(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Into int64 `json:"into"`
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	var t model.Ticket
	if err == nil {
		t, err = a.tickets.Merge(r.Context(), caller(r), id, in.Into)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.merge", id, err)
		return
	}
	a.Audit.Record(r, "ticket.merge", ticketResource(id), true, t.Key+" into ticket "+strconv.FormatInt(in.Into, 10))
	a.writeDetail(w, r, t.ID)
}

func (a *API) decideDuplicate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string `json:"decision"`
	}
	id, err := pathID(r, "id")
	var cand int64
	if err == nil {
		cand, err = pathID(r, "candidate_id")
	}
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		_, err = a.tickets.Decide(r.Context(), caller(r), id, cand, in.Decision)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.duplicate_suggestion", id, err)
		return
	}
	a.Audit.Record(r, "ticket.duplicate_suggestion", ticketResource(id), true, in.Decision+" ticket "+strconv.FormatInt(cand, 10))
	a.writeDetail(w, r, id)
}

func (a *API) splitTicket(w http.ResponseWriter, r *http.Request) {
	var in ticket.Split
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	var t model.Ticket
	if err == nil {
		t, err = a.tickets.Split(r.Context(), caller(r), id, in)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.split", id, err)
		return
	}
	a.Audit.Record(r, "ticket.split", ticketResource(id), true, "into "+t.Key)
	writeJSON(w, http.StatusCreated, t)
}

// writeDetail answers with a ticket's detail as the caller sees it.
func (a *API) writeDetail(w http.ResponseWriter, r *http.Request, id int64) {
	d, err := a.tickets.Get(r.Context(), caller(r), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
