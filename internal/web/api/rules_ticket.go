package api

import (
	"context"
	"errors"
	"slices"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// checkRuleTickets refuses rules whose ticket action names a ticket type or
// a team that does not exist: the rule would fail on every message it
// matches, long after the admin saved it.
func (a *API) checkRuleTickets(ctx context.Context, rs ...rules.Rule) error {
	var types []model.TicketType
	for i, r := range rs {
		t := r.Actions.Ticket
		if t.IsZero() {
			continue
		}
		if types == nil {
			var err error
			if types, err = a.Store.TicketTypes(ctx); err != nil {
				return err
			}
		}
		if !slices.ContainsFunc(types, func(tt model.TicketType) bool { return tt.Name == t.Type }) {
			names := make([]string, len(types))
			for j, tt := range types {
				names[j] = tt.Name
			}
			return errcode.BadRuleTicket.With("rules[%d] (%q): actions.ticket.type %q; known: %s", i, r.Name, t.Type, strings.Join(names, ", "))
		}
		if t.TeamID != 0 {
			if _, err := a.Store.GetOrgUnit(ctx, t.TeamID); errors.Is(err, store.ErrNotFound) {
				return errcode.BadRuleTicket.With("rules[%d] (%q): actions.ticket.team_id %d: no such org unit", i, r.Name, t.TeamID)
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}
