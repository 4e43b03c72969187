package console

import (
	"net/http"
	"strconv"

	"switchboard/internal/auth"
	"switchboard/internal/web/api"
)

// viewRow is a saved view in the sidebar.
type viewRow struct {
	ID     int64
	Name   string
	URL    string
	Shared string // the unit's name when shared
	Mine   bool   // only the owner may delete it
}

// fillViews lists the visitor's saved views and the units they may share with.
func (c *Console) fillViews(r *http.Request, n *namer, page *ticketListPage) error {
	vs, err := c.api.TicketViews(r)
	if err != nil {
		return err
	}
	p, _ := auth.From(r.Context())
	base := "/tickets?"
	if page.Board {
		base = "/tickets/board?"
	}
	for _, v := range vs {
		page.Views = append(page.Views, viewRow{ID: v.ID, Name: v.Name, URL: base + v.Query, Shared: n.unit(v.OrgUnitID), Mine: v.UserID == p.User.ID})
	}
	seen := map[int64]bool{}
	for _, g := range p.User.Roles {
		if !seen[g.OrgUnitID] {
			seen[g.OrgUnitID] = true
			page.ViewUnits = append(page.ViewUnits, option{Value: strconv.FormatInt(g.OrgUnitID, 10), Label: n.unit(g.OrgUnitID)})
		}
	}
	return nil
}

// saveView stores the list's current filters under a name.
func (c *Console) saveView(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	unit, _ := strconv.ParseInt(r.PostFormValue("org_unit_id"), 10, 64)
	query := r.PostFormValue("query")
	back := "/tickets"
	if r.PostFormValue("board") == "1" {
		back = "/tickets/board"
	}
	_, err := c.api.SaveTicketView(r, api.TicketViewIn{Name: r.PostFormValue("name"), Query: query, OrgUnitID: unit})
	if err != nil {
		r.URL.RawQuery = query
		c.showTickets(w, r, back != "/tickets", toAPIError(err))
		return
	}
	http.Redirect(w, r, back+"?"+query, http.StatusSeeOther)
}

func (c *Console) deleteView(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := c.api.DeleteTicketView(r, id); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}
