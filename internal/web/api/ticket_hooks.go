package api

import (
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// webhookIn is a ticket webhook as an admin writes it. Nil fields of a
// PATCH stay; an empty secret on create is generated and shown once.
type webhookIn struct {
	Name            *string   `json:"name"`
	URL             *string   `json:"url"`
	Secret          *string   `json:"secret"`
	Events          *[]string `json:"events"`
	IncludeInternal *bool     `json:"include_internal"`
	Active          *bool     `json:"active"`
}

func (in webhookIn) apply(w *model.TicketWebhook) {
	for _, f := range []struct {
		src *string
		dst *string
	}{{in.Name, &w.Name}, {in.URL, &w.URL}, {in.Secret, &w.Secret}} {
		if f.src != nil {
			*f.dst = strings.TrimSpace(*f.src)
		}
	}
	if in.Events != nil {
		w.Events = *in.Events
	}
	if in.IncludeInternal != nil {
		w.IncludeInternal = *in.IncludeInternal
	}
	if in.Active != nil {
		w.Active = *in.Active
	}
}

func (a *API) allowLinkLocal() bool { return a.TicketHooks != nil && a.TicketHooks.Cfg.AllowLinkLocal }

func (a *API) wakeHooks() {
	if a.TicketHooks != nil {
		a.TicketHooks.Wake()
	}
}

func webhookResource(id int64) string { return "ticket_webhook:" + strconv.FormatInt(id, 10) }

func (a *API) listTicketWebhooks(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.list") {
		return
	}
	hooks, err := a.Store.ListTicketWebhooks(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": hooks})
}

func (a *API) createTicketWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.create") {
		return
	}
	var in webhookIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	hook := model.TicketWebhook{Active: true, CreatedBy: principal(r).User.ID}
	in.apply(&hook)
	generated, err := ticket.CheckWebhook(r.Context(), &hook, a.allowLinkLocal())
	if err == nil {
		hook, err = a.Store.CreateTicketWebhook(r.Context(), hook)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket_webhook.create", webhookResource(hook.ID), true, hook.URL)
	out := struct {
		model.TicketWebhook
		Secret string `json:"secret,omitempty"` // only when generated, only now
	}{TicketWebhook: hook}
	if generated {
		out.Secret = hook.Secret
	}
	writeJSON(w, http.StatusCreated, out)
}

func (a *API) getTicketWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.get") {
		return
	}
	id, err := pathID(r, "id")
	var hook model.TicketWebhook
	if err == nil {
		hook, err = a.Store.GetTicketWebhook(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hook)
}

func (a *API) patchTicketWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.update") {
		return
	}
	var in webhookIn
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	var hook model.TicketWebhook
	if err == nil {
		hook, err = a.Store.GetTicketWebhook(r.Context(), id)
	}
	if err == nil {
		in.apply(&hook)
		if in.Secret != nil && hook.Secret == "" {
			err = errcode.BadWebhook.With("secret: cannot be emptied")
		}
	}
	if err == nil {
		_, err = ticket.CheckWebhook(r.Context(), &hook, a.allowLinkLocal())
	}
	if err == nil {
		hook, err = a.Store.UpdateTicketWebhook(r.Context(), hook)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket_webhook.update", webhookResource(id), true, hook.URL+" active="+strconv.FormatBool(hook.Active))
	a.wakeHooks()
	writeJSON(w, http.StatusOK, hook)
}

func (a *API) deleteTicketWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.delete") {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = a.Store.DeleteTicketWebhook(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket_webhook.delete", webhookResource(id), true, "")
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listTicketHookDeliveries(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.deliveries") {
		return
	}
	id, err := pathID(r, "id")
	var limit int
	var before int64
	if err == nil {
		limit, err = parseLimit(r.URL.Query().Get("limit"))
	}
	if v := r.URL.Query().Get("cursor"); err == nil && v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil {
			err = errcode.BadCursor.With("cursor=%q is not a number", v)
		}
	}
	if err == nil {
		_, err = a.Store.GetTicketWebhook(r.Context(), id)
	}
	var ds []model.TicketHookDelivery
	if err == nil {
		ds, err = a.Store.ListHookDeliveries(r.Context(), id, before, limit)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page := map[string]any{"items": ds}
	if limit <= 0 || limit > 200 {
		limit = 50 // the store's default and bound
	}
	if n := len(ds); n == limit {
		page["next_cursor"] = strconv.FormatInt(ds[n-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) redeliverTicketHook(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "ticket_webhook.redeliver") {
		return
	}
	id, err := pathID(r, "id")
	var did int64
	if err == nil {
		did, err = pathID(r, "did")
	}
	var d model.TicketHookDelivery
	if err == nil {
		d, err = a.Store.RedeliverHook(r.Context(), id, did)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket_webhook.redeliver", webhookResource(id), true, "delivery "+strconv.FormatInt(did, 10))
	a.wakeHooks()
	writeJSON(w, http.StatusAccepted, d)
}

func (a *API) externalTicketEvent(w http.ResponseWriter, r *http.Request) {
	var in ticket.ExternalEvent
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(r, &in)
	}
	var res ticket.ExternalResult
	if err == nil {
		res, err = a.tickets.External(r.Context(), caller(r), id, in)
	}
	if err != nil {
		a.ticketFail(w, r, "ticket.external", id, err)
		return
	}
	if !res.Duplicate {
		a.Audit.Record(r, "ticket.external", ticketResource(id), true, in.System+" "+in.EventID+" "+strings.Join(res.Changed, ","))
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) createTicketType(w http.ResponseWriter, r *http.Request) {
	a.putType(w, r, true)
}

func (a *API) putTicketType(w http.ResponseWriter, r *http.Request) {
	a.putType(w, r, false)
}

func (a *API) putType(w http.ResponseWriter, r *http.Request, create bool) {
	if !a.requireAdmin(w, r, "ticket_type.put") {
		return
	}
	var in model.TicketType
	err := decode(r, &in)
	if err == nil && !create {
		if in.Name != "" && in.Name != r.PathValue("name") {
			err = errcode.BadTicketType.With("a type cannot be renamed (%q in the path, %q in the body)", r.PathValue("name"), in.Name)
		}
		in.Name = r.PathValue("name")
	}
	if err == nil {
		in, err = a.tickets.PutType(r.Context(), in, create)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "ticket_type.put", "ticket_type:"+in.Name, true, strconv.Itoa(len(in.Fields))+" fields")
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	writeJSON(w, status, in)
}
