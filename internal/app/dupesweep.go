package app

import (
	"context"

	"switchboard/internal/ticket"
)

// sweepDuplicates checks tickets whose duplicate check a crash skipped (see ticket.DupeSweep).
func (a *App) sweepDuplicates(ctx context.Context) {
	ticket.NewDupeSweep(&ticket.Service{Store: a.Store, Bus: a.Bus, Log: a.Log}).Run(ctx)
}
