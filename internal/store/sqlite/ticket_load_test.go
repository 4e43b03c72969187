package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"switchboard/internal/crypto"
	"switchboard/internal/store/storetest"
)

// TestSeedTicketLoadDir writes the BenchmarkTicketPasses load into a data
// directory a node can then be started on (switchboard serve --data-dir),
// to read its idle CPU. It runs only when asked:
//
//	SB_TICKET_LOAD_DIR=/tmp/load go test -run SeedTicketLoadDir ./internal/store/sqlite/
func TestSeedTicketLoadDir(t *testing.T) {
	dir := os.Getenv("SB_TICKET_LOAD_DIR")
	if dir == "" {
		t.Skip("SB_TICKET_LOAD_DIR not set: nothing to seed")
	}
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.LoadOrCreate(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "switchboard.db")
	db, err := Open(ctx, path, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	l := storetest.TicketLoad{Tickets: 100_000, Owed: 5, Messages: 1_000_000, Fresh: 200}
	if err := l.Seed(ctx, db, raw, "sqlite"); err != nil {
		t.Fatal(err)
	}
}
