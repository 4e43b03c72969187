package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"switchboard/internal/crypto"
	storecopy "switchboard/internal/store/copy"
)

// migrateCopy is `switchboard migrate copy --from DIR --to postgres://…`: it
// moves a stopped single-node (SQLite) installation into a new, empty
// PostgreSQL database, ids and encrypted bytes unchanged, then verifies the
// copy table by table.
func migrateCopy(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("migrate copy", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	from := fs.String("from", "", "data directory of the single-node installation (stop its server first)")
	to := fs.String("to", "", "URL of a new, empty PostgreSQL database (postgres://…)")
	keyFile := fs.String("key-file", "", "the installation's key file (default <from>/keys.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || !(strings.HasPrefix(*to, "postgres://") || strings.HasPrefix(*to, "postgresql://")) {
		fmt.Fprintln(env.Stderr, "Usage: switchboard migrate copy --from <data dir> --to postgres://…")
		fs.PrintDefaults()
		return errUsage
	}
	if *keyFile == "" {
		*keyFile = filepath.Join(*from, "keys.json")
	}
	// Load, never create: a fresh key could not open a single copied row.
	if _, err := os.Stat(*keyFile); err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	keys, err := crypto.LoadOrCreate(*keyFile)
	if err != nil {
		return err
	}
	sums, err := storecopy.SQLiteToPostgres(ctx, *from, keys, *to, storecopy.Options{
		Progress: func(table string, n int64) { fmt.Fprintf(env.Stdout, "copied %-15s %8d rows\n", table, n) },
	})
	if err != nil {
		return err
	}
	var total int64
	for _, s := range sums {
		total += s.Rows
	}
	fmt.Fprintf(env.Stdout, "verified: %d tables, %d rows, identical on both sides\n", len(sums), total)
	printCopyNextSteps(env, *from, *keyFile)
	return nil
}

// printCopyNextSteps says what the database does not carry: the key file
// that opens its encrypted columns, and the attachment files.
func printCopyNextSteps(env Env, from, keyFile string) {
	abs, _ := filepath.Abs(keyFile)
	fmt.Fprintf(env.Stdout, `
Next steps:
  1. Every node needs this installation's key file, or it cannot read the
     copied messages and channel secrets: copy %s to each node (mode 0600)
     and start it with --key-file <that path>.
  2. Attachments are files, not rows: copy %s to the attachment storage of
     the nodes (each node's <data-dir>/blobs, or a mount they share).
  3. Start the nodes with the same --database-url and the same --nats-url.
`, abs, filepath.Join(from, "blobs"))
}
