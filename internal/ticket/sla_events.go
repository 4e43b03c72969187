package ticket

import (
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// SLA event kinds, one row each per (ticket, kind, cycle, n).
const (
	SLAFirstWarning  = "first_response_warning"
	SLAFirstBreach   = "first_response_breach"
	SLAResWarning    = "resolution_warning"
	SLAResBreach     = "resolution_breach"
	SLAResReminder   = "resolution_reminder"
	EventSLABreached = "ticket.sla_breached" // published with the escalated ticket
)

// owed lists the events of clock c due by now, and the next moment after
// now at which another may fall due (zero: none can). A reminder is owed
// every RemindEvery while the resolution is overdue; only the latest one
// is sent when several passed unseen.
func owed(c store.TicketClock, p model.SLAPolicy, now time.Time) ([]store.SLAEvent, time.Time) {
	var evs []store.SLAEvent
	var next time.Time
	consider := func(kind string, at time.Time, cycle, n int) {
		switch {
		case at.IsZero():
		case !at.After(now):
			evs = append(evs, store.SLAEvent{TicketID: c.TicketID, Kind: kind, Cycle: cycle, N: n})
		case next.IsZero() || at.Before(next):
			next = at
		}
	}
	if c.FirstResponseAt.IsZero() && c.FrozenAt.IsZero() {
		consider(SLAFirstWarning, c.FirstWarn, 1, 0)
		consider(SLAFirstBreach, c.FirstDue, 1, 0)
	}
	if c.ResolutionDue.IsZero() || !c.FrozenAt.IsZero() {
		return evs, next
	}
	consider(SLAResWarning, c.ResolutionWarn, c.Cycle, 0)
	consider(SLAResBreach, c.ResolutionDue, c.Cycle, 0)
	if every := time.Duration(p.RemindEvery); every > 0 {
		n := 1
		if over := now.Sub(c.ResolutionDue); over >= every {
			n = int(over / every)
			consider(SLAResReminder, c.ResolutionDue.Add(time.Duration(n)*every), c.Cycle, n)
			n++
		}
		consider(SLAResReminder, c.ResolutionDue.Add(time.Duration(n)*every), c.Cycle, n)
	}
	return evs, next
}

// isBreach reports whether kind escalates.
func isBreach(kind string) bool { return kind == SLAFirstBreach || kind == SLAResBreach }

// isWarning reports whether kind is a warning.
func isWarning(kind string) bool { return kind == SLAFirstWarning || kind == SLAResWarning }

// raise is the priority one level up: P4 → P3 … P1 stays P1.
func raise(p string) string {
	switch p {
	case "P4":
		return "P3"
	case "P3":
		return "P2"
	}
	return "P1"
}

var slaLabels = map[string]string{
	SLAFirstWarning: "首次响应即将超时 first response due soon",
	SLAFirstBreach:  "首次响应已超时 first response overdue",
	SLAResWarning:   "解决即将超时 resolution due soon",
	SLAResBreach:    "解决已超时 resolution overdue",
	SLAResReminder:  "解决仍超时 resolution still overdue",
}
