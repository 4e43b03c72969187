package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"switchboard/internal/crypto"
)

// keys manages the at-rest encryption keys. `keys rotate` adds a key that
// seals everything written from then on; values sealed before keep their
// key id and stay readable, so no downtime and no bulk rewrite is needed.
// Running nodes read the key file at start: restart them after a rotation.
func keys(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(env.Stderr, "Usage: switchboard keys rotate [--data-dir DIR | --key-file FILE]")
		return errUsage
	}
	cfg, _, err := loadConfig(env, "keys rotate", args[1:], nil)
	if err != nil {
		return err
	}
	path := cfg.MasterKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "keys.json")
	}
	id, err := crypto.Rotate(path)
	if err != nil {
		return fmt.Errorf("rotate %s: %w", path, err)
	}
	fmt.Fprintf(env.Stdout, "key %d added to %s and used for new data from the next start; older keys stay for reading\n", id, path)
	return nil
}
