package cli

import (
	"context"
	"flag"
	"fmt"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/store"
)

func serve(ctx context.Context, env Env, args []string) error {
	var dump bool
	cfg, _, err := loadConfig(env, "serve", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dump, "config-dump", false, "print the effective configuration (secrets masked) and exit")
	})
	if err != nil {
		return err
	}
	if dump {
		config.Dump(env.Stdout, cfg)
		return nil
	}
	log := newLogger(cfg, env.Stderr)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	pw, err := a.Bootstrap(ctx)
	if err != nil {
		a.Store.Close()
		return fmt.Errorf("first start: %w", err)
	}
	ln, err := a.Listen()
	if err != nil {
		a.Store.Close()
		return err
	}
	fmt.Fprintf(env.Stdout, "Switchboard %s is running: open %s/\n", Version, a.Cfg.PublicURL)
	if pw != "" {
		fmt.Fprintf(env.Stdout, "First start: sign in as admin with password %s (change it: switchboard admin password --login admin)\n", pw)
	} else {
		fmt.Fprintln(env.Stdout, "Sign in with your account; an admin can reset passwords with: switchboard admin password --login NAME")
	}
	log.Info("listening", "addr", ln.Addr().String(), "node", a.Cfg.NodeID, "data_dir", cfg.DataDir)
	return a.Run(ctx, ln)
}

// openStore opens the configured store, migrated and with its root org unit.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	st, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := app.EnsureRoot(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func migrate(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "copy" {
		return migrateCopy(ctx, env, args[1:])
	}
	cfg, _, err := loadConfig(env, "migrate", args, nil)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "migrations applied")
	return st.Close()
}
