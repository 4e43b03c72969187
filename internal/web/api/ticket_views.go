package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// addListFilters reads the filters the console's ticket list adds to the
// base ones: team_id, unassigned and mine (assigned to the caller).
func addListFilters(r *http.Request, f *store.TicketFilter) error {
	q := r.URL.Query()
	if v := q.Get("team_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errcode.BadCursor.With("team_id=%q is not a number", v)
		}
		f.TeamID = n
	}
	for name, dst := range map[string]*bool{"unassigned": &f.Unassigned, "mine": new(bool)} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errcode.BadCursor.With("%s=%q: want true or false", name, v)
			}
			*dst = b
			if name == "mine" && b {
				f.AssigneeID = principal(r).User.ID
			}
		}
	}
	if f.Unassigned && f.AssigneeID != 0 {
		return errcode.BadCursor.With("unassigned cannot be combined with assignee_id or mine")
	}
	return nil
}

// View limits.
const (
	viewNameRunes = 60
	viewQueryLen  = 2000
)

// TicketViewIn is a view to save.
type TicketViewIn struct {
	Name      string `json:"name"`
	Query     string `json:"query"`
	OrgUnitID int64  `json:"org_unit_id"` // share with this unit of yours; 0 keeps it private
}

// roleUnits are the units where the caller holds any role: a view shared
// with one of them is listed for the caller.
func roleUnits(u model.User) []int64 {
	var units []int64
	for _, g := range u.Roles {
		if !slices.Contains(units, g.OrgUnitID) {
			units = append(units, g.OrgUnitID)
		}
	}
	return units
}

// TicketViews lists the caller's saved views and those shared with their units.
func (a *API) TicketViews(r *http.Request) ([]model.TicketView, error) {
	u := principal(r).User
	return a.Store.TicketViews(r.Context(), u.ID, roleUnits(u))
}

// SaveTicketView stores a view of the caller's; sharing needs a role in the unit.
func (a *API) SaveTicketView(r *http.Request, in TicketViewIn) (model.TicketView, error) {
	u := principal(r).User
	in.Name, in.Query = strings.TrimSpace(in.Name), strings.TrimPrefix(strings.TrimSpace(in.Query), "?")
	if in.Name == "" || utf8.RuneCountInString(in.Name) > viewNameRunes {
		return model.TicketView{}, errcode.BadTicketView.With("name must be 1–%d characters", viewNameRunes)
	}
	if _, err := url.ParseQuery(in.Query); err != nil || len(in.Query) > viewQueryLen {
		return model.TicketView{}, errcode.BadTicketView.With("query must be a URL query string of at most %d bytes", viewQueryLen)
	}
	if in.OrgUnitID != 0 && !slices.Contains(roleUnits(u), in.OrgUnitID) && !principal(r).Admin() {
		a.Audit.Deny(r, "ticket_view.share", "org_unit:"+strconv.FormatInt(in.OrgUnitID, 10), "not a unit of the caller")
		return model.TicketView{}, errcode.Forbidden.With("sharing a view with org unit %d, which is not yours", in.OrgUnitID)
	}
	v, err := a.Store.CreateTicketView(r.Context(), model.TicketView{UserID: u.ID, OrgUnitID: in.OrgUnitID, Name: in.Name, Query: in.Query})
	if errors.Is(err, store.ErrConflict) {
		return v, errcode.TicketViewExists.With("%q", in.Name)
	}
	return v, err
}

// DeleteTicketView removes one of the caller's views.
func (a *API) DeleteTicketView(r *http.Request, id int64) error {
	err := a.Store.DeleteTicketView(r.Context(), id, principal(r).User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errcode.NotFound.With("ticket view %d is not one of yours", id)
	}
	return err
}

func (a *API) listTicketViews(w http.ResponseWriter, r *http.Request) {
	vs, err := a.TicketViews(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs})
}

func (a *API) createTicketView(w http.ResponseWriter, r *http.Request) {
	var in TicketViewIn
	err := decode(r, &in)
	var v model.TicketView
	if err == nil {
		v, err = a.SaveTicketView(r, in)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (a *API) deleteTicketView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.DeleteTicketView(r, id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
