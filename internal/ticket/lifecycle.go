// Package ticket is the work-item domain: the lifecycle every ticket type
// follows, priority scoring, who may see and change a ticket, and the
// service the API calls to create and change tickets.
package ticket

import (
	"slices"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// transitions is the one table of allowed status changes, per flow.
// Closed and cancelled are final; a resolved item reopens to in progress
// when the requester says it is not solved (PRODUCT.md speaks of reopening
// only a resolved item, so a closed one stays closed).
var transitions = map[string]map[model.TicketStatus][]model.TicketStatus{
	model.FlowStandard: {
		model.TicketAccepted:   {model.TicketInProgress, model.TicketWaiting, model.TicketResolved, model.TicketCancelled},
		model.TicketInProgress: {model.TicketWaiting, model.TicketResolved, model.TicketCancelled},
		model.TicketWaiting:    {model.TicketInProgress, model.TicketResolved, model.TicketCancelled},
		model.TicketResolved:   {model.TicketClosed, model.TicketInProgress},
	},
	// A requirement is confirmed (已确认: accepted as a need to build) or
	// declined (cancelled, with the reason told to whoever raised it)
	// before work starts.
	model.FlowRequirement: {
		model.TicketAccepted:   {model.TicketConfirmed, model.TicketWaiting, model.TicketCancelled},
		model.TicketWaiting:    {model.TicketAccepted, model.TicketConfirmed, model.TicketCancelled},
		model.TicketConfirmed:  {model.TicketInProgress, model.TicketResolved, model.TicketCancelled},
		model.TicketInProgress: {model.TicketResolved, model.TicketCancelled},
		model.TicketResolved:   {model.TicketClosed, model.TicketInProgress},
	},
}

// needsReason lists target statuses whose transition must carry a reason:
// a cancelled or declined item, and a reopened one, are explained.
func needsReason(from, to model.TicketStatus) bool {
	return to == model.TicketCancelled || (from == model.TicketResolved && to == model.TicketInProgress)
}

// statusLabels are the names users know the statuses by.
var statusLabels = map[model.TicketStatus]string{
	model.TicketAccepted: "已受理", model.TicketInProgress: "处理中", model.TicketWaiting: "待反馈",
	model.TicketResolved: "已解决", model.TicketClosed: "已关闭", model.TicketCancelled: "已取消",
	model.TicketConfirmed: "已确认",
}

// Label is a status as shown to people: "resolved (已解决)".
func Label(s model.TicketStatus) string {
	if l, ok := statusLabels[s]; ok {
		return string(s) + " (" + l + ")"
	}
	return string(s)
}

// Allowed lists the statuses a ticket of flow may move to from from.
func Allowed(flow string, from model.TicketStatus) []model.TicketStatus {
	return transitions[flow][from]
}

// KnownStatus reports whether s is a status of any flow.
func KnownStatus(s model.TicketStatus) bool { _, ok := statusLabels[s]; return ok }

// CheckTransition refuses a status change the flow does not allow, naming
// both states and what would be allowed, or one that lacks its reason.
func CheckTransition(flow string, from, to model.TicketStatus, reason string) error {
	allowed := Allowed(flow, from)
	if !slices.Contains(allowed, to) {
		names := make([]string, len(allowed))
		for i, s := range allowed {
			names[i] = Label(s)
		}
		next := "none: " + Label(from) + " is final"
		if len(names) > 0 {
			next = strings.Join(names, ", ")
		}
		return errcode.BadTransition.With("from %s to %s is not allowed for %s items; allowed: %s", Label(from), Label(to), flow, next)
	}
	if needsReason(from, to) && strings.TrimSpace(reason) == "" {
		return errcode.ReasonRequired.With("from %s to %s", Label(from), Label(to))
	}
	return nil
}
