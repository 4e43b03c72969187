package ticket

import (
	"context"
	"slices"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Who may do what with tickets:
//   - admins: everything;
//   - department heads and agents: every ticket of their units' subtrees,
//     and every ticket routed to a team there — read, create, change, comment;
//   - members: the tickets they created, are assigned or watch (read,
//     comment); they create personal tasks in their units and change the
//     tasks they created or are assigned.
// Visibility is applied in the store's query (ScopeFor); the checks below
// guard writes on a ticket the caller can already see.

// staffUnits are the units where u works tickets.
func staffUnits(u model.User) []int64 {
	units := []int64{}
	for _, g := range u.Roles {
		if g.Role == model.RoleAgent || g.Role == model.RoleDeptHead {
			units = append(units, g.OrgUnitID)
		}
	}
	return units
}

func isAdmin(u model.User) bool {
	return slices.ContainsFunc(u.Roles, func(g model.RoleGrant) bool { return g.Role == model.RoleAdmin })
}

// ScopeFor is the ticket read scope of u.
func ScopeFor(u model.User) store.TicketScope {
	if isAdmin(u) {
		return store.TicketScope{All: true}
	}
	return store.TicketScope{Units: staffUnits(u), UserID: u.ID}
}

// subtrees answers whether a unit lies under one of a set of units.
type subtrees interface {
	Subtree(ctx context.Context, id int64) ([]int64, error)
}

// covers reports whether unit lies in the subtree of one of units.
func covers(ctx context.Context, st subtrees, units []int64, unit int64) (bool, error) {
	for _, u := range units {
		sub, err := st.Subtree(ctx, u)
		if err != nil {
			return false, err
		}
		if slices.Contains(sub, unit) {
			return true, nil
		}
	}
	return false, nil
}

func roleUnits(u model.User, role model.Role) []int64 {
	var units []int64
	for _, g := range u.Roles {
		if g.Role == role {
			units = append(units, g.OrgUnitID)
		}
	}
	return units
}

// isStaff reports whether u works tickets of unit.
func isStaff(ctx context.Context, st subtrees, u model.User, unit int64) (bool, error) {
	if isAdmin(u) {
		return true, nil
	}
	return covers(ctx, st, staffUnits(u), unit)
}

// canCreate: staff create any type in their units, members a task in theirs.
func canCreate(ctx context.Context, st subtrees, u model.User, unit int64, typ string) (bool, error) {
	if ok, err := isStaff(ctx, st, u, unit); ok || err != nil {
		return ok, err
	}
	if typ != model.TypeTask {
		return false, nil
	}
	return covers(ctx, st, roleUnits(u, model.RoleMember), unit)
}

// worksOn reports whether u is staff of the ticket's unit or of the team it
// is routed to: a request raised in 客服部 and routed to 售后 is worked by 售后.
func worksOn(ctx context.Context, st subtrees, u model.User, t model.Ticket) (bool, error) {
	if ok, err := isStaff(ctx, st, u, t.OrgUnitID); ok || err != nil || t.TeamID == 0 {
		return ok, err
	}
	return isStaff(ctx, st, u, t.TeamID)
}

// canChange: staff of the ticket's unit or team, or a member on their own task.
func canChange(ctx context.Context, st subtrees, u model.User, t model.Ticket) (bool, error) {
	if ok, err := worksOn(ctx, st, u, t); ok || err != nil {
		return ok, err
	}
	return t.Type == model.TypeTask && (t.CreatedBy == u.ID || t.AssigneeID == u.ID), nil
}
