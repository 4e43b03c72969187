package ticket

import (
	"context"
	"sync"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// DupeSweep checks the open tickets whose duplicate check was never
// recorded: the creating request stopped between the ticket's commit and
// its check (a crash, a deploy), or the check failed. The creating request
// still checks at once, for latency; the sweep waits Grace after a
// ticket's creation so it rarely repeats that work, and when it does, the
// check is recorded once (see Service.checkDuplicates), so any number of
// nodes may sweep at once and a ticket is linked once.
type DupeSweep struct {
	Svc    *Service
	Every  time.Duration // a pass at least this often
	Grace  time.Duration // tickets younger than this are left to their request
	Window time.Duration // tickets older than this are not checked any more
	Batch  int

	mu    sync.Mutex
	floor time.Time // passes look from here: nothing older was left unchecked
	full  time.Time // the last pass over the whole window
}

// fullEvery is how often a pass looks over the whole window instead of
// from its floor, for a ticket whose transaction committed long after its
// creation time (past the grace) and so behind the floor.
const fullEvery = time.Hour

// NewDupeSweep returns a sweep with the defaults.
func NewDupeSweep(svc *Service) *DupeSweep {
	return &DupeSweep{Svc: svc, Every: 5 * time.Second, Grace: 3 * time.Second, Window: 7 * 24 * time.Hour, Batch: 100}
}

// Run passes every Every and Grace after each ticket.created, until ctx ends.
func (d *DupeSweep) Run(ctx context.Context) {
	var evs <-chan bus.Event
	if d.Svc.Bus != nil {
		var cancel func()
		evs, cancel = d.Svc.Bus.Subscribe(64, bus.TicketCreated)
		defer cancel()
	}
	tick := time.NewTicker(d.Every)
	defer tick.Stop()
	var soon <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-evs:
			if soon == nil {
				soon = time.After(d.Grace + 100*time.Millisecond)
			}
			continue
		case <-soon:
			soon = nil
		case <-tick.C:
		}
		if err := d.Pass(ctx); err != nil && ctx.Err() == nil {
			d.Svc.warn("duplicate sweep", 0, err)
		}
	}
}

// Pass checks one batch of the unchecked tickets now past their grace,
// oldest first. One batch: a ticket whose check keeps failing is tried
// again next pass, not in a loop. A pass looks back only to the oldest
// ticket the last one left unchecked (normally: to where it ended), so a
// busy desk's 7 days are not read every few seconds.
func (d *DupeSweep) Pass(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	since := d.floor
	if now.Sub(d.full) >= fullEvery {
		since, d.full = now.Add(-d.Window), now
	}
	if oldest := now.Add(-d.Window); since.Before(oldest) {
		since = oldest
	}
	before := now.Add(-d.Grace)
	ids, err := d.Svc.Store.UncheckedTickets(ctx, since, before, d.Batch)
	if err != nil {
		return err
	}
	floor := before
	for i, id := range ids {
		if at, ok := d.check(ctx, id); !ok || i == len(ids)-1 && len(ids) == d.Batch {
			floor = minTime(floor, at) // tried again next pass
		}
	}
	d.floor = floor
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// check checks one ticket as its creating request would have; a ticket
// it leaves open stays where it is (Create queued it already). It answers
// the ticket's creation time and whether the check is done with.
func (d *DupeSweep) check(ctx context.Context, id int64) (time.Time, bool) {
	t, err := d.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, id)
	if err != nil {
		d.Svc.warn("duplicate sweep: ticket not read", id, err)
		return time.Time{}, false
	}
	if t.Status == model.TicketResolved || t.Status == model.TicketClosed || t.Status == model.TicketCancelled {
		return t.CreatedAt, true
	}
	if _, err := d.Svc.checkDuplicates(ctx, t); err != nil {
		d.Svc.warn("duplicate sweep: not checked", id, err)
		return t.CreatedAt, false
	}
	return t.CreatedAt, true
}
