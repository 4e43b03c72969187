package notify

import (
	"context"
	"strconv"

	"switchboard/internal/model"
)

// chainSource says where a recipient's chain came from.
type chainSource struct {
	unit   int64 // the org unit whose chain it is; 0 with shared for the default
	shared bool  // a unit's or the default chain, not the person's own
}

// reason is the notification's note on a shared chain, "" for the person's own.
func (c chainSource) reason() string {
	switch {
	case !c.shared:
		return ""
	case c.unit == 0:
		return "default chain"
	}
	return "chain of org unit " + strconv.FormatInt(c.unit, 10)
}

// settings returns a user's settings with the chain to use: their own if
// they set one, else that of the nearest org unit up the tree from each of
// their grants' units (first grant first), else the default chain. A rule's
// via then orders it (orderChain): rule > person > org unit > default.
func (e *Engine) settings(ctx context.Context, uid int64) (model.NotifySettings, chainSource, error) {
	s, err := e.st.NotifySettings(ctx, uid)
	if err != nil || len(s.Chain) > 0 {
		return s, chainSource{}, err
	}
	chains, err := e.st.UnitChains(ctx)
	if err != nil || len(chains) == 0 {
		return s, chainSource{}, err
	}
	u, err := e.st.GetUser(ctx, uid)
	if err != nil {
		return s, chainSource{}, err
	}
	units, err := e.st.ListOrgUnits(ctx)
	if err != nil {
		return s, chainSource{}, err
	}
	parent := make(map[int64]int64, len(units))
	for _, ou := range units {
		parent[ou.ID] = ou.ParentID
	}
	for _, g := range u.Roles {
		// The seen set stops a walk on a cyclic tree, which the store forbids anyway.
		for unit, seen := g.OrgUnitID, map[int64]bool{}; unit != 0 && !seen[unit]; unit = parent[unit] {
			seen[unit] = true
			if c := chains[unit]; len(c) > 0 {
				s.Chain = c
				return s, chainSource{unit: unit, shared: true}, nil
			}
		}
	}
	if c := chains[0]; len(c) > 0 {
		s.Chain = c
		return s, chainSource{shared: true}, nil
	}
	return s, chainSource{}, nil
}

// joinReason joins the non-empty parts of a notification's reason.
func joinReason(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
