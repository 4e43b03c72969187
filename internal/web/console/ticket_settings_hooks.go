package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/model"
)

func (c *Console) mountTicketHooks(mux *http.ServeMux) {
	a := c.settingsAdmin
	mux.Handle("GET /tickets/settings/webhooks", a(c.hooksView))
	mux.Handle("POST /tickets/settings/webhooks", a(c.createHook))
	mux.Handle("POST /tickets/settings/webhooks/{id}/active", a(c.toggleHook))
	mux.Handle("POST /tickets/settings/webhooks/{id}/delete", a(c.deleteHook))
	mux.Handle("GET /tickets/settings/webhooks/{id}", a(c.deliveriesView))
	mux.Handle("POST /tickets/settings/webhooks/{id}/deliveries/{did}/redeliver", a(c.redeliver))
}

// hookForm is the create form as typed; the secret is never typed back.
type hookForm struct {
	Name, URL       string
	Events          []string
	IncludeInternal bool
	Error           string
}

// Has is for the event checkboxes.
func (f hookForm) Has(e string) bool {
	for _, x := range f.Events {
		if x == e {
			return true
		}
	}
	return false
}

type hooksPage struct {
	Hooks      []model.TicketWebhook
	Form       hookForm
	EventTypes []string
	Created    *createdHook // the hook just created, with its generated secret: shown this once
	Notice     string       // key of a note after a change
	Error      string       // a refused toggle or delete
}

type createdHook struct {
	ID           int64
	Name, Secret string
}

func (c *Console) hooksView(w http.ResponseWriter, r *http.Request) {
	page := hooksPage{}
	switch r.URL.Query().Get("done") {
	case "updated":
		page.Notice = "tset.hooks.updated"
	case "deleted":
		page.Notice = "tset.hooks.deleted"
	}
	c.showHooks(w, r, http.StatusOK, page)
}

func (c *Console) showHooks(w http.ResponseWriter, r *http.Request, status int, page hooksPage) {
	var doc struct {
		Items []model.TicketWebhook `json:"items"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/ticket-webhooks", nil, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	page.Hooks, page.EventTypes = doc.Items, model.HookEventTypes
	c.render(w, r, status, "tset_hooks", view{Title: "tset.hooks", Path: "/tickets/settings/webhooks", Page: page})
}

// createHook registers a webhook through the API. The page answering it
// (201, not a redirect) is the only one that ever shows a generated secret.
func (c *Console) createHook(w http.ResponseWriter, r *http.Request) {
	f := hookForm{Name: strings.TrimSpace(r.PostFormValue("name")), URL: strings.TrimSpace(r.PostFormValue("url")),
		Events: r.PostForm["events"], IncludeInternal: r.PostFormValue("include_internal") == "1"}
	in := map[string]any{"name": f.Name, "url": f.URL, "events": nonNil(f.Events), "include_internal": f.IncludeInternal, "active": true}
	if s := strings.TrimSpace(r.PostFormValue("secret")); s != "" {
		in["secret"] = s
	}
	var out struct {
		model.TicketWebhook
		Secret string `json:"secret"`
	}
	if err := c.callAPI(r, "POST", "/api/v1/ticket-webhooks", nil, in, &out); err != nil {
		var status int
		status, f.Error = errText(err)
		c.showHooks(w, r, status, hooksPage{Form: f})
		return
	}
	c.showHooks(w, r, http.StatusCreated, hooksPage{Created: &createdHook{ID: out.ID, Name: out.Name, Secret: out.Secret}})
}

func (c *Console) toggleHook(w http.ResponseWriter, r *http.Request) {
	in := map[string]any{"active": r.PostFormValue("active") == "1"}
	c.hookChange(w, r, "PATCH", in, "updated")
}

func (c *Console) deleteHook(w http.ResponseWriter, r *http.Request) {
	c.hookChange(w, r, "DELETE", nil, "deleted")
}

// hookChange applies a change to one webhook and goes back to the list.
func (c *Console) hookChange(w http.ResponseWriter, r *http.Request, method string, in any, done string) {
	if err := c.callAPI(r, method, "/api/v1/ticket-webhooks/"+url.PathEscape(r.PathValue("id")), nil, in, nil); err != nil {
		page := hooksPage{}
		var status int
		status, page.Error = errText(err)
		c.showHooks(w, r, status, page)
		return
	}
	http.Redirect(w, r, "/tickets/settings/webhooks?done="+done, http.StatusSeeOther)
}

// deliveryRow is one delivery as the log shows it.
type deliveryRow struct {
	model.TicketHookDelivery
	Updated, UpdatedAt string
	Next, NextAt       string
}

type deliveriesPage struct {
	Hook        model.TicketWebhook
	Rows        []deliveryRow
	MoreURL     string
	Redelivered string // id of the delivery just queued again
	Error       string
}

func (c *Console) deliveriesView(w http.ResponseWriter, r *http.Request) {
	c.showDeliveries(w, r, http.StatusOK, deliveriesPage{Redelivered: r.URL.Query().Get("redelivered")})
}

func (c *Console) showDeliveries(w http.ResponseWriter, r *http.Request, status int, page deliveriesPage) {
	base := "/api/v1/ticket-webhooks/" + url.PathEscape(r.PathValue("id"))
	if err := c.callAPI(r, "GET", base, nil, nil, &page.Hook); err != nil {
		c.failAPI(w, r, err)
		return
	}
	q := url.Values{}
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		q.Set("cursor", cur)
	}
	var doc struct {
		Items      []model.TicketHookDelivery `json:"items"`
		NextCursor string                     `json:"next_cursor"`
	}
	if err := c.callAPI(r, "GET", base+"/deliveries", q, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	for _, d := range doc.Items {
		row := deliveryRow{TicketHookDelivery: d}
		row.Updated, row.UpdatedAt = clock(d.UpdatedAt)
		if d.State == model.HookPending {
			row.Next, row.NextAt = clock(d.NextAt)
		}
		page.Rows = append(page.Rows, row)
	}
	if doc.NextCursor != "" {
		page.MoreURL = "/tickets/settings/webhooks/" + strconv.FormatInt(page.Hook.ID, 10) + "?cursor=" + url.QueryEscape(doc.NextCursor)
	}
	c.render(w, r, status, "tset_deliveries", view{Title: "tset.deliveries", Path: "/tickets/settings/webhooks/" + strconv.FormatInt(page.Hook.ID, 10), Page: page})
}

func (c *Console) redeliver(w http.ResponseWriter, r *http.Request) {
	id, did := url.PathEscape(r.PathValue("id")), url.PathEscape(r.PathValue("did"))
	if err := c.callAPI(r, "POST", "/api/v1/ticket-webhooks/"+id+"/deliveries/"+did+"/redeliver", nil, nil, nil); err != nil {
		page := deliveriesPage{}
		var status int
		status, page.Error = errText(err)
		c.showDeliveries(w, r, status, page)
		return
	}
	http.Redirect(w, r, "/tickets/settings/webhooks/"+id+"?redelivered="+did, http.StatusSeeOther)
}
