package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// IdentityView is an identity with its channel, as the API and the
// person page show it.
type IdentityView struct {
	model.Identity
	ChannelKind string `json:"channel_kind"`
	ChannelName string `json:"channel_name"`
	OrgUnitID   int64  `json:"org_unit_id"`
}

// PersonView is a person with every linked identity.
type PersonView struct {
	Person     model.Person   `json:"person"`
	Identities []IdentityView `json:"identities"`
}

// GetPerson returns person id (resolved to the primary person it is
// linked into) with every identity of the group. One whose identities
// are all outside the caller's departments is refused with 403 and
// audited; an unknown one is 404. Only admins see mobiles unmasked.
func (a *API) GetPerson(r *http.Request, id int64) (PersonView, error) {
	p := principal(r)
	person, ids, err := a.Store.GetLinkedPerson(r.Context(), p.Scope, id)
	if errors.Is(err, store.ErrNotFound) && !p.Scope.All {
		if _, _, aerr := a.Store.GetLinkedPerson(r.Context(), store.Scope{All: true}, id); aerr == nil {
			a.Audit.Deny(r, "person.read", "person:"+strconv.FormatInt(id, 10), "no identity of this person in scope")
			return PersonView{}, errcode.Forbidden.With("person %d is outside your departments", id)
		}
	}
	if err != nil {
		return PersonView{}, err
	}
	v := PersonView{Person: person, Identities: make([]IdentityView, 0, len(ids))}
	for _, i := range ids {
		iv := IdentityView{Identity: i}
		if ch, err := a.Store.GetChannel(r.Context(), i.ChannelID); err == nil {
			iv.ChannelKind, iv.ChannelName, iv.OrgUnitID = ch.Kind, ch.Name, ch.OrgUnitID
		}
		v.Identities = append(v.Identities, iv)
	}
	if !p.Admin() {
		v.mask()
	}
	return v, nil
}

// mask hides the middle of mobile numbers (138****5678) from non-admins:
// a colleague's phone is personal data they rarely need.
func (v *PersonView) mask() {
	v.Person.Mobile = maskMobile(v.Person.Mobile)
	for i := range v.Identities {
		v.Identities[i].Mobile = maskMobile(v.Identities[i].Mobile)
	}
}

func maskMobile(m string) string {
	r := []rune(m)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:len(r)-8]) + "****" + string(r[len(r)-4:])
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	a.answerPerson(w, r, id, err)
}

type peoplePage struct {
	Items      []model.Person `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (a *API) listPeople(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.PeopleFilter{Query: q.Get("q"), Limit: 50}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			a.fail(w, r, errcode.BadCursor.With("cursor=%q is not a number", v))
			return
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			a.fail(w, r, errcode.BadCursor.With("limit=%q: want 1..500", v))
			return
		}
		f.Limit = n
	}
	p := principal(r)
	items, err := a.Store.ListPeople(r.Context(), p.Scope, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page := peoplePage{Items: items}
	for i := range page.Items {
		if !p.Admin() {
			page.Items[i].Mobile = maskMobile(page.Items[i].Mobile)
		}
	}
	if len(items) == f.Limit {
		page.NextCursor = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, page)
}

// PersonMessages lists the messages of every person linked with id —
// the person's messages on all platforms — newest first, in the caller's
// scope, with f's other filters and cursor.
func (a *API) PersonMessages(r *http.Request, id int64, f store.MessageFilter) (messagePage, error) {
	members, err := a.Store.LinkedPeople(r.Context(), id)
	if err != nil {
		return messagePage{}, err
	}
	f.Limit = cmp.Or(f.Limit, 50)
	var all []model.Message
	for _, m := range members {
		f.SenderID = m
		page, err := a.ListMessages(r, f)
		if err != nil {
			return messagePage{}, err
		}
		all = append(all, page.Items...)
	}
	slices.SortFunc(all, func(x, y model.Message) int { return cmp.Compare(y.ID, x.ID) })
	page := messagePage{Items: all[:min(len(all), f.Limit)]}
	if len(all) >= f.Limit {
		page.NextCursor = strconv.FormatInt(page.Items[len(page.Items)-1].ID, 10)
	}
	return page, nil
}

// requireUnitAdmin refuses (403, audited) a caller who is not an admin of
// every org unit in units.
func (a *API) requireUnitAdmin(r *http.Request, action, resource string, units []int64) error {
	p := principal(r)
	if len(units) == 0 && !p.Admin() { // nothing to scope the decision by: admins only
		a.Audit.Deny(r, action, resource, "admin role required")
		return errcode.Forbidden.With("%s needs the admin role", action)
	}
	for _, u := range units {
		ok := false
		for _, g := range p.User.Roles {
			if g.Role != model.RoleAdmin {
				continue
			}
			sub, err := a.Store.Subtree(r.Context(), g.OrgUnitID)
			if err != nil {
				return err
			}
			if slices.Contains(sub, u) {
				ok = true
				break
			}
		}
		if !ok {
			a.Audit.Deny(r, action, resource, fmt.Sprintf("needs the admin role on org unit %d", u))
			return errcode.Forbidden.With("%s needs the admin role on the identities' departments", action)
		}
	}
	return nil
}

// groupUnits is the org units of the channels of the identities linked
// with personID, read without the caller's scope (for a permission check).
func (a *API) groupUnits(r *http.Request, personID int64) ([]int64, error) {
	_, ids, err := a.Store.GetLinkedPerson(r.Context(), store.Scope{All: true}, personID)
	if err != nil {
		return nil, err
	}
	units := make([]int64, 0, len(ids))
	for _, i := range ids {
		ch, err := a.Store.GetChannel(r.Context(), i.ChannelID)
		if err != nil {
			return nil, err
		}
		units = append(units, ch.OrgUnitID)
	}
	return units, nil
}
