package app

import (
	"context"
	"log/slog"

	"switchboard/internal/bus"
	"switchboard/internal/config"
	"switchboard/internal/crypto"
	"switchboard/internal/store"
	"switchboard/internal/store/postgres"
)

// openPostgres opens the PostgreSQL store shared by all nodes.
func openPostgres(ctx context.Context, url string, keys *crypto.Keyring) (store.Store, error) {
	return postgres.Open(ctx, url, keys)
}

// openBus returns the in-process bus, or NATS when configured.
func openBus(cfg config.Config, log *slog.Logger) (bus.Bus, error) {
	if cfg.NATSURL != "" {
		return bus.DialNATS(cfg.NATSURL, cfg.NodeID, log)
	}
	return bus.NewLocal(), nil
}
