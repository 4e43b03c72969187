package store

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// NoSLA is the policy of tickets that predate SLAs: their clocks are
// never computed, so an upgrade escalates no old ticket.
const NoSLA = "-"

// TicketClock is the stored state of a ticket's SLA clocks, computed
// from the ticket at Version. NextAt is the earliest moment an SLA event
// (warning, breach, reminder) may be owed; zero when none can be.
type TicketClock struct {
	TicketID        int64
	Version         int64
	Policy          string
	Cycle           int
	FirstDue        time.Time
	FirstWarn       time.Time
	FirstResponseAt time.Time
	ResolutionDue   time.Time
	ResolutionWarn  time.Time
	FrozenAt        time.Time // the resolution clock paused (待反馈) or stopped
	Paused          bool
	NextAt          time.Time
}

// SLAEvent is one escalation step of a ticket's clock: kind (warning,
// breach, reminder) in resolution cycle Cycle, N-th of its kind. Its key
// is unique, so whoever claims it first is the only one to act on it.
type SLAEvent struct {
	TicketID int64
	Kind     string
	Cycle    int
	N        int
}

// TicketSLAs keeps ticket SLA policies, calendars, clocks and events.
type TicketSLAs interface {
	// SLAPolicies and SLACalendars return the admin's settings; ok is false when none were set.
	SLAPolicies(ctx context.Context) (p model.SLAPolicies, ok bool, err error)
	SetSLAPolicies(ctx context.Context, p model.SLAPolicies) error
	SLACalendars(ctx context.Context) (c model.SLACalendars, ok bool, err error)
	SetSLACalendars(ctx context.Context, c model.SLACalendars) error
	// TicketsToClock lists tickets whose clock row is missing or older
	// than the ticket, oldest first.
	TicketsToClock(ctx context.Context, limit int) ([]int64, error)
	// SaveTicketClock upserts c unless a newer version is stored.
	SaveTicketClock(ctx context.Context, c TicketClock) error
	// TicketClock returns a ticket's clock, or ErrNotFound.
	TicketClock(ctx context.Context, ticketID int64) (TicketClock, error)
	// DueTicketClocks lists clocks whose NextAt is set and not after now.
	DueTicketClocks(ctx context.Context, now time.Time, limit int) ([]TicketClock, error)
	// SetClockNext moves a clock's NextAt, if it is still at version.
	SetClockNext(ctx context.Context, ticketID, version int64, next time.Time) error
	// ClaimSLAEvent leases ev to owner until until: true when ev was new,
	// or unfinished with its lease run out. Finished events are never
	// claimed again.
	ClaimSLAEvent(ctx context.Context, ev SLAEvent, owner string, now, until time.Time) (bool, error)
	// SLAEventDone reports whether ev was finished.
	SLAEventDone(ctx context.Context, ev SLAEvent) (bool, error)
	// FinishSLAEvent marks ev done, and when t is given writes it (as
	// UpdateTicket: at its version, with changes in the history) in the
	// same transaction. ErrStale when owner lost the lease or t changed.
	FinishSLAEvent(ctx context.Context, ev SLAEvent, owner string, t *model.Ticket, changes []model.TicketChange) (model.Ticket, error)
}
