package ticket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/notify"
	"switchboard/internal/store"
)

// Teller sends a user a notification under an idempotency key (the
// notification engine's Tell).
type Teller interface {
	Tell(ctx context.Context, uid int64, key, text string) error
}

// RoleUsers finds who holds a role over an org unit.
type RoleUsers interface {
	UsersWithRole(ctx context.Context, unit int64, role model.Role) ([]int64, error)
}

// SLATimer keeps tickets' SLA clocks and fires their events: a warning
// to the assignee before a breach, an escalation at the breach (the team
// lead told, the priority raised, optionally reassigned) and reminders
// while overdue. All state is in the store: each event is a row claimed
// by one node with a lease and finished in the transaction that records
// it on the ticket, and notifications carry keys the outbox keeps once,
// so N nodes, restarts and crashes fire each event once.
type SLATimer struct {
	Svc       *Service
	Users     RoleUsers
	Tell      Teller
	Owner     string
	Lease     time.Duration
	PollEvery time.Duration
	Log       *slog.Logger
	now       atomic.Pointer[func() time.Time]
	wake      chan struct{}
}

// NewSLATimer returns a timer with defaults filled in.
func NewSLATimer(svc *Service, users RoleUsers, tell Teller, owner string, log *slog.Logger) *SLATimer {
	tm := &SLATimer{Svc: svc, Users: users, Tell: tell, Owner: owner, Lease: 30 * time.Second, PollEvery: time.Second,
		Log: log, wake: make(chan struct{}, 1)}
	tm.SetClock(time.Now)
	return tm
}

// SetClock replaces the timer's clock (tests move time forward with it).
func (tm *SLATimer) SetClock(now func() time.Time) { tm.now.Store(&now) }

func (tm *SLATimer) clock() time.Time { return (*tm.now.Load())() }

// Wake asks for a pass now.
func (tm *SLATimer) Wake() {
	select {
	case tm.wake <- struct{}{}:
	default:
	}
}

// Run passes until ctx ends: every PollEvery, and on ticket events.
func (tm *SLATimer) Run(ctx context.Context) {
	var evs <-chan bus.Event
	if tm.Svc.Bus != nil {
		var cancel func()
		evs, cancel = tm.Svc.Bus.Subscribe(64, bus.TicketCreated, bus.TicketStatusChanged, bus.TicketUpdated)
		defer cancel()
	}
	t := time.NewTicker(tm.PollEvery)
	defer t.Stop()
	for {
		if err := tm.Pass(ctx); err != nil && ctx.Err() == nil {
			tm.Log.Warn("sla pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-tm.wake:
		case <-evs:
		}
	}
}

// Pass recomputes the clocks of changed tickets, then fires what is due.
func (tm *SLATimer) Pass(ctx context.Context) error {
	for ctx.Err() == nil {
		ids, err := tm.Svc.Store.TicketsToClock(ctx, 100)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tm.Svc.SyncClock(ctx, id); err != nil {
				tm.Log.Warn("sla clock", "ticket", id, "err", err)
			}
		}
		if len(ids) < 100 {
			break
		}
	}
	now := tm.clock()
	due, err := tm.Svc.Store.DueTicketClocks(ctx, now, 100)
	if err != nil || len(due) == 0 {
		return err
	}
	setup, err := tm.Svc.slaSetup(ctx)
	if err != nil {
		return err
	}
	for _, c := range due {
		if err := tm.fireClock(ctx, setup, c, now); err != nil && ctx.Err() == nil {
			tm.Log.Warn("sla events", "ticket", c.TicketID, "err", err)
		}
	}
	return nil
}

// fireClock claims and acts on the events of one clock due by now, then
// moves the clock to its next moment; an event another node holds (or
// that failed here) is looked at again when its lease runs out.
func (tm *SLATimer) fireClock(ctx context.Context, setup slaSetup, c store.TicketClock, now time.Time) error {
	p, ok := setup.byName(c.Policy)
	if !ok {
		return tm.Svc.Store.SetClockNext(ctx, c.TicketID, c.Version, time.Time{})
	}
	evs, next := owed(c, p, now)
	retry := false
	for _, ev := range evs {
		silent := isWarning(ev.Kind) && breachOwed(evs, ev.Kind)
		if err := tm.fire(ctx, p, ev, silent, now); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			tm.Log.Warn("sla event", "ticket", ev.TicketID, "kind", ev.Kind, "cycle", ev.Cycle, "err", err)
			retry = true
		} else if held, err := tm.heldElsewhere(ctx, ev); err != nil || held {
			retry = true
		}
	}
	if retry && (next.IsZero() || next.After(now.Add(tm.Lease))) {
		next = now.Add(tm.Lease)
	}
	return tm.Svc.Store.SetClockNext(ctx, c.TicketID, c.Version, next)
}

// breachOwed reports whether the breach a warning announces is owed too
// (the warning then goes unsent: the breach says more).
func breachOwed(evs []store.SLAEvent, warning string) bool {
	want := SLAFirstBreach
	if warning == SLAResWarning {
		want = SLAResBreach
	}
	for _, e := range evs {
		if e.Kind == want {
			return true
		}
	}
	return false
}

// heldElsewhere reports whether ev is claimed but not finished.
func (tm *SLATimer) heldElsewhere(ctx context.Context, ev store.SLAEvent) (bool, error) {
	done, err := tm.Svc.Store.SLAEventDone(ctx, ev)
	return !done, err
}

// fire claims ev and, if this node got it, acts on it.
func (tm *SLATimer) fire(ctx context.Context, p model.SLAPolicy, ev store.SLAEvent, silent bool, now time.Time) error {
	got, err := tm.Svc.Store.ClaimSLAEvent(ctx, ev, tm.Owner, now, now.Add(tm.Lease))
	if err != nil || !got {
		return err
	}
	t, err := tm.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, ev.TicketID)
	if err != nil {
		return err
	}
	if silent {
		_, err = tm.Svc.Store.FinishSLAEvent(ctx, ev, tm.Owner, nil, nil)
		return err
	}
	for try := 0; ; try++ {
		leads, err := tm.leads(ctx, t)
		if err != nil {
			return err
		}
		told, err := tm.notify(ctx, t, p, ev, leads)
		if err != nil {
			return err
		}
		err = tm.record(ctx, t, p, ev, leads, told)
		if !errors.Is(err, store.ErrStale) || try == 2 {
			return err
		}
		// Edited meanwhile: escalate the ticket as it is now (the keyed
		// notifications are not sent again).
		if t, err = tm.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, ev.TicketID); err != nil {
			return err
		}
	}
}

// recipients: the team lead hears of breaches; the assignee of
// everything (the lead stands in for a missing assignee).
func recipients(t model.Ticket, kind string, leads []int64) []int64 {
	var out []int64
	if isBreach(kind) || t.AssigneeID == 0 {
		out = append(out, leads...)
	}
	if t.AssigneeID != 0 && !containsID(out, t.AssigneeID) {
		out = append(out, t.AssigneeID)
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// notify tells ev's recipients, each under a key of the event and user,
// and returns who was told; a user with no channel is skipped.
func (tm *SLATimer) notify(ctx context.Context, t model.Ticket, p model.SLAPolicy, ev store.SLAEvent, leads []int64) ([]int64, error) {
	text := slaText(t, p, ev)
	var told []int64
	for _, uid := range recipients(t, ev.Kind, leads) {
		key := fmt.Sprintf("sla:%d:%s:%d:%d:%d", t.ID, ev.Kind, ev.Cycle, ev.N, uid)
		err := tm.Tell.Tell(ctx, uid, key, text)
		if errors.Is(err, notify.ErrNoChannel) {
			tm.Log.Warn("sla notification not sent", "ticket", t.Key, "user", uid, "err", err)
			continue
		}
		if err != nil {
			return told, err
		}
		told = append(told, uid)
	}
	return told, nil
}

func slaText(t model.Ticket, p model.SLAPolicy, ev store.SLAEvent) string {
	head := "【SLA 预警 Warning】"
	switch {
	case isBreach(ev.Kind):
		head = "【SLA 超时升级 Breach】"
	case ev.Kind == SLAResReminder:
		head = fmt.Sprintf("【SLA 超时提醒 Overdue #%d】", ev.N)
	}
	return fmt.Sprintf("%s%s %s\n%s · %s · %s", head, t.Key, t.Title, slaLabels[ev.Kind], t.Priority, p.Name)
}
