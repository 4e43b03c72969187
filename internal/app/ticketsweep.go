package app

import (
	"context"
	"time"

	"switchboard/internal/ticket"
)

// queueSweep is how often every team queue is served regardless of
// events: the bound on how long a lost event can leave a ticket waiting.
const queueSweep = 30 * time.Second

// sweepQueues serves the ticket queues periodically (see ticket.Service.Sweep).
func (a *App) sweepQueues(ctx context.Context) {
	svc := &ticket.Service{Store: a.Store, Bus: a.Bus, Log: a.Log}
	t := time.NewTicker(queueSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			svc.Sweep(ctx)
		}
	}
}
