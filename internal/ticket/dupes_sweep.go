package ticket

import (
	"context"
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
}

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
// again next pass, not in a loop.
func (d *DupeSweep) Pass(ctx context.Context) error {
	now := time.Now()
	ids, err := d.Svc.Store.UncheckedTickets(ctx, now.Add(-d.Window), now.Add(-d.Grace), d.Batch)
	for _, id := range ids {
		d.check(ctx, id)
	}
	return err
}

// check checks one ticket as its creating request would have; a ticket
// it leaves open stays where it is (Create queued it already).
func (d *DupeSweep) check(ctx context.Context, id int64) {
	t, err := d.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, id)
	if err != nil {
		d.Svc.warn("duplicate sweep: ticket not read", id, err)
		return
	}
	if t.Status == model.TicketResolved || t.Status == model.TicketClosed || t.Status == model.TicketCancelled {
		return
	}
	if _, err := d.Svc.checkDuplicates(ctx, t); err != nil {
		d.Svc.warn("duplicate sweep: not checked", id, err)
	}
}
