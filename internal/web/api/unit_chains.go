package api

import (
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/notify"
)

// unitChain is an org unit's fallback chain on the wire; unit 0 is the default.
type unitChain struct {
	OrgUnitID int64             `json:"org_unit_id"`
	Chain     []model.NotifyHop `json:"chain"`
}

// chainUnit reads the unit of a chain route: {id}, or 0 for /notify-chain.
func chainUnit(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return 0, nil
	}
	return pathID(r, "id")
}

// UnitChains lists every configured chain (admin). The console uses it too.
func (a *API) UnitChains(r *http.Request) ([]unitChain, error) {
	if err := a.adminOnly(r, "notify_chain.read"); err != nil {
		return nil, err
	}
	chains, err := a.Store.UnitChains(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]unitChain, 0, len(chains))
	for unit, c := range chains {
		out = append(out, unitChain{OrgUnitID: unit, Chain: c})
	}
	return out, nil
}

func (a *API) getUnitChain(w http.ResponseWriter, r *http.Request) {
	unit, err := chainUnit(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !a.requireAdmin(w, r, "notify_chain.read") {
		return
	}
	chains, err := a.Store.UnitChains(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c := chains[unit]
	if c == nil {
		c = []model.NotifyHop{}
	}
	writeJSON(w, http.StatusOK, unitChain{OrgUnitID: unit, Chain: c})
}

func (a *API) putUnitChain(w http.ResponseWriter, r *http.Request) {
	unit, err := chainUnit(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var body unitChain
	if err := decode(r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.SetUnitChain(r, unit, body.Chain); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unitChain{OrgUnitID: unit, Chain: body.Chain})
}

// SetUnitChain validates and stores a unit's chain (admin; 0: the default,
// empty: remove). The console uses it too.
func (a *API) SetUnitChain(r *http.Request, unit int64, chain []model.NotifyHop) error {
	if err := a.adminOnly(r, "notify_chain.update"); err != nil {
		return err
	}
	if unit != 0 {
		if _, err := a.Store.GetOrgUnit(r.Context(), unit); err != nil {
			return err
		}
	}
	if err := notify.ValidateSettings(model.NotifySettings{Chain: chain}); err != nil {
		return errcode.InvalidRequest.With("%v", err)
	}
	for i, hop := range chain {
		if _, err := a.Store.GetChannel(r.Context(), hop.ChannelID); err != nil {
			return errcode.InvalidRequest.With("chain[%d]: channel %d does not exist", i, hop.ChannelID)
		}
	}
	if err := a.Store.SetUnitChain(r.Context(), unit, chain); err != nil {
		return err
	}
	a.Audit.Record(r, "notify_chain.update", "org_unit:"+strconv.FormatInt(unit, 10), true, "")
	return nil
}
