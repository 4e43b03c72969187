package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/web/api"
)

// personPageSize is how many of a person's messages the page shows at once.
const personPageSize = 50

// personPage is the person template's data.
type personPage struct {
	api.PersonView
	Rows    []row
	MoreURL string
	// Tickets are the newest tickets this person raised that the viewer
	// may see; TicketsURL lists all of them when there are more.
	Tickets    []ticketRow
	TicketsURL string
	Error      string // a key of messages: why the last link or unlink did nothing
}

// person shows who someone is on every platform and what they wrote on
// each, through the API, which refuses and audits a person outside the
// caller's departments.
func (c *Console) person(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	v, err := c.api.GetPerson(r, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	res, err := c.api.PersonMessages(r, v.Person.ID, store.MessageFilter{Before: max(before, 0), Limit: personPageSize})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	channels := map[int64]string{}
	for _, i := range v.Identities {
		channels[i.ChannelID] = i.ChannelName
	}
	page := personPage{PersonView: v, Rows: makeRows(res.Items, channels, nil)}
	if r.URL.Query().Get("error") == "link" {
		page.Error = "person.link_invalid"
	}
	if res.NextCursor != "" {
		page.MoreURL = "/people/" + strconv.FormatInt(v.Person.ID, 10) + "?before=" + res.NextCursor
	}
	if err := c.personTickets(r, &page); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "person", view{Title: "person.title", Page: page})
}

// personTicketsShown is how many of a person's tickets their page lists.
const personTicketsShown = 10

// personTickets fills the page's tickets through the ticket list API,
// which scopes them to what the viewer may see.
func (c *Console) personTickets(r *http.Request, page *personPage) error {
	f := ticketFilter{Requester: strconv.FormatInt(page.Person.ID, 10)}
	var res struct {
		Items      []model.Ticket `json:"items"`
		NextCursor string         `json:"next_cursor"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/tickets", f.apiQuery(personTicketsShown), nil, &res); err != nil {
		return err
	}
	if len(res.Items) == 0 {
		return nil
	}
	n, err := c.newNamer(r)
	if err != nil {
		return err
	}
	for _, t := range res.Items {
		page.Tickets = append(page.Tickets, n.row(t))
	}
	if res.NextCursor != "" {
		page.TicketsURL = "/tickets?" + f.query("")
	}
	return nil
}

// platformKey maps a channel kind to its display name's key.
func platformKey(kind string) string {
	switch kind {
	case "feishu", "dingtalk", "webhook":
		return "platform." + kind
	}
	return "platform.other"
}

// profileKey maps a lookup state to its explanation's key.
func profileKey(s model.ProfileState) string {
	switch s {
	case model.ProfileDone, model.ProfileDenied, model.ProfileNone, model.ProfileFailed:
		return "person.state." + string(s)
	}
	return "person.state.pending"
}

// changeLink is the admin's link and unlink form on the person page,
// through the API's helpers (which check the admin role on the
// identities' departments and audit); then back to the page
// (post/redirect/get).
func (c *Console) changeLink(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(r) {
		c.api.Audit.Deny(r, "person.link", "person:"+r.PathValue("id"), "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	identityID, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("identity_id")), 10, 64)
	if strings.HasSuffix(r.URL.Path, "/unlink") {
		err = c.api.UnlinkIdentity(r, id, identityID)
	} else {
		err = c.api.LinkIdentity(r, id, identityID)
	}
	back := "/people/" + strconv.FormatInt(id, 10)
	switch e := errcode.From(err); {
	case err == nil:
		http.Redirect(w, r, back, http.StatusSeeOther)
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound),
		e.Status == http.StatusBadRequest, e.Status == http.StatusConflict, e.Status == http.StatusNotFound:
		http.Redirect(w, r, back+"?error=link", http.StatusSeeOther)
	default:
		c.fail(w, r, err)
	}
}
