package app

import (
	"context"

	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// ruleTickets carries out the rules' ticket action as the system: the
// message becomes a ticket (routed and assigned like one made in the API)
// or joins its sender's open ticket in the conversation.
type ruleTickets struct {
	svc *ticket.Service
	st  store.TicketLoop
}

func (r ruleTickets) MakeTicket(ctx context.Context, msg model.Message, req model.TicketRequest) error {
	_, err := r.svc.FromRule(ctx, systemCaller, r.st, msg, req)
	return err
}
