package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// leads are the department heads of the ticket's team (its org unit when
// it has none): those granted on that very unit, or, when nobody is, the
// heads above it.
func (tm *SLATimer) leads(ctx context.Context, t model.Ticket) ([]int64, error) {
	unit := t.TeamID
	if unit == 0 {
		unit = t.OrgUnitID
	}
	all, err := tm.Users.UsersWithRole(ctx, unit, model.RoleDeptHead)
	if err != nil {
		return nil, err
	}
	var own []int64
	for _, id := range all {
		u, err := tm.Svc.Store.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(u.Roles, func(g model.RoleGrant) bool { return g.Role == model.RoleDeptHead && g.OrgUnitID == unit }) {
			own = append(own, id)
		}
	}
	if len(own) > 0 {
		return own, nil
	}
	return all, nil
}

// record finishes ev with its history entry, and for a breach the
// escalation: priority one level up, and the reassignment the policy
// asks for, in the same transaction. A ticket changed meanwhile leaves
// the event unfinished; it is retried once its lease runs out (the
// notifications, keyed, are not sent twice).
func (tm *SLATimer) record(ctx context.Context, t model.Ticket, p model.SLAPolicy, ev store.SLAEvent, leads, told []int64) error {
	before := t
	changes := []model.TicketChange{{Field: "sla", To: ev.Kind, Note: fmt.Sprintf("%s (policy %s, cycle %d); told %s",
		slaLabels[ev.Kind], p.Name, ev.Cycle, users(told))}}
	if isBreach(ev.Kind) {
		changes = append(changes, escalate(&t, p, leads)...)
	}
	saved, err := tm.Svc.Store.FinishSLAEvent(ctx, ev, tm.Owner, &t, changes)
	if err != nil {
		return err
	}
	tm.Svc.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: saved.OrgUnitID, Ticket: &saved})
	if isBreach(ev.Kind) {
		tm.Svc.publish(ctx, bus.Event{Type: EventSLABreached, OrgUnitID: saved.OrgUnitID, Ticket: &saved})
		tm.Svc.reassigned(ctx, before, saved)
	}
	return nil
}

// escalate raises t's priority and reassigns it as p says, returning the
// history entries.
func escalate(t *model.Ticket, p model.SLAPolicy, leads []int64) []model.TicketChange {
	var out []model.TicketChange
	if up := raise(t.Priority); up != t.Priority {
		out = append(out, model.TicketChange{Field: "priority", From: t.Priority, To: up, Note: "SLA breach"})
		t.Priority = up
	}
	to := t.AssigneeID
	switch {
	case p.Reassign == model.SLAReassignLead && len(leads) > 0:
		to = leads[0]
	case p.Reassign == model.SLAReassignQueue && t.TeamID != 0:
		to = 0
	}
	if to != t.AssigneeID {
		out = append(out, model.TicketChange{Field: "assignee_id", From: show(t.AssigneeID), To: show(to), Note: "SLA breach: " + p.Reassign})
		t.AssigneeID = to
	}
	return out
}

func users(ids []int64) string {
	if len(ids) == 0 {
		return "nobody (no notification channel)"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprintf("user %d", id)
	}
	return strings.Join(s, ", ")
}
