package app

import (
	"context"
	"time"

	"switchboard/internal/ticket"
)

// queueSweep is how often every team queue is served regardless of
// events: the bound on how long a lost event can leave a ticket waiting.
const queueSweep = 30 * time.Second

// every calls fn each period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// sweepQueues serves the ticket queues periodically (see ticket.Service.Sweep).
func (a *App) sweepQueues(ctx context.Context) {
	svc := &ticket.Service{Store: a.Store, Bus: a.Bus, Log: a.Log}
	every(ctx, queueSweep, func() { svc.Sweep(ctx) })
}

// autoCloseEvery is how often resolved tickets are looked at for closing:
// a tenth of the wait, between a second and a minute, so a close is late
// by at most that.
func autoCloseEvery(wait time.Duration) time.Duration {
	return min(max(wait/10, time.Second), time.Minute)
}

// autoClose closes resolved tickets past --ticket-auto-close (see
// ticket.Service.AutoClose); every node runs it, each close is written once.
func (a *App) autoClose(ctx context.Context) {
	wait := a.Cfg.TicketAutoClose
	if wait <= 0 {
		return
	}
	svc := &ticket.Service{Store: a.Store, Bus: a.Bus, Log: a.Log}
	every(ctx, autoCloseEvery(wait), func() {
		n, err := svc.AutoClose(ctx, wait, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Warn("auto-close pass", "err", err)
		case n > 0:
			a.Log.Info("tickets auto-closed", "count", n, "after", wait)
		}
	})
}
