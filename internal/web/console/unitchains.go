package console

import (
	"errors"
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// chainsPage is the org unit chains template's data (admins).
type chainsPage struct {
	Rows     []chainRow
	Channels []model.Channel
	Saved    bool
	Error    string
	ErrorFor int64 // the unit whose chain was refused
}

// chainRow is one unit's chain form; UnitID 0 is the default chain.
type chainRow struct {
	UnitID int64
	Name   string
	Hops   []model.NotifyHop // with blank rows to add hops
}

func (c *Console) chainsView(w http.ResponseWriter, r *http.Request) {
	c.showChains(w, r, http.StatusOK, chainsPage{Saved: r.URL.Query().Get("saved") == "1"}, nil)
}

// showChains renders every unit (the default first) with its chain; typed,
// when given, replaces the stored chain of page.ErrorFor.
func (c *Console) showChains(w http.ResponseWriter, r *http.Request, status int, page chainsPage, typed []model.NotifyHop) {
	chains, err := c.api.UnitChains(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.api.Store.ListOrgUnits(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if page.Channels, err = c.visibleChannels(r); err != nil {
		c.fail(w, r, err)
		return
	}
	byUnit := map[int64][]model.NotifyHop{}
	for _, uc := range chains {
		byUnit[uc.OrgUnitID] = uc.Chain
	}
	if typed != nil {
		byUnit[page.ErrorFor] = typed
	}
	page.Rows = append(page.Rows, chainRow{UnitID: 0, Hops: withBlankHops(byUnit[0])})
	for _, u := range units {
		page.Rows = append(page.Rows, chainRow{UnitID: u.ID, Name: u.Name, Hops: withBlankHops(byUnit[u.ID])})
	}
	c.render(w, r, status, "unitchains", view{Title: "chains.title", Path: "/notifications/chains", Page: page})
}

// withBlankHops adds one blank row, and more up to minHopRows.
func withBlankHops(hops []model.NotifyHop) []model.NotifyHop {
	out := append(append([]model.NotifyHop(nil), hops...), model.NotifyHop{})
	for len(out) < minHopRows {
		out = append(out, model.NotifyHop{})
	}
	return out
}

// saveChain stores one unit's chain from its form (post/redirect/get).
func (c *Console) saveChain(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSettingsForm)
	if !checkCSRF(r) {
		c.api.Audit.Deny(r, "notify_chain.update", "org_unit", "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	unit, err := strconv.ParseInt(r.PostFormValue("unit"), 10, 64)
	if err != nil || unit < 0 {
		c.problem(w, r, http.StatusBadRequest, "error")
		return
	}
	s, _ := readSettingsForm(r).settings() // only the hop rows are on this form
	if err := c.api.SetUnitChain(r, unit, s.Chain); err != nil {
		if !errors.Is(err, errcode.InvalidRequest) {
			c.fail(w, r, err)
			return
		}
		c.showChains(w, r, http.StatusBadRequest, chainsPage{Error: errcode.From(err).Detail, ErrorFor: unit}, readSettingsForm(r).Hops)
		return
	}
	http.Redirect(w, r, "/notifications/chains?saved=1", http.StatusSeeOther)
}
