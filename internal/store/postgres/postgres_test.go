package postgres

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for the admin connection

	"switchboard/internal/crypto"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/storetest"
	"switchboard/internal/testsvc"
)

func admin(t *testing.T) string { return testsvc.Admin(t) }

func freshSchema(t *testing.T) string { return testsvc.FreshSchema(t).URL }

func testKeys(t *testing.T) *crypto.Keyring {
	t.Helper()
	keys, err := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func openFresh(t *testing.T) (*sqldb.DB, string) {
	t.Helper()
	u := freshSchema(t)
	db, err := Open(context.Background(), u, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // runs before the schema is dropped
	return db, u
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openFresh(t)
		return db
	})
}

func TestSealedAtRest(t *testing.T) {
	db, u := openFresh(t)
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.AtRest(t, db, raw)
}

// TestConcurrentMigrate starts several nodes on one empty schema at once:
// each migration must be applied exactly once and every node must open.
func TestConcurrentMigrate(t *testing.T) {
	u := freshSchema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), u, testKeys(t))
			if err != nil {
				t.Errorf("concurrent open: %v", err)
				return
			}
			db.Close()
		}()
	}
	wg.Wait()
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, max int
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if want := len(dialect{}.Migrations()); n != want || max != want {
		t.Errorf("schema_migrations has %d rows up to %d, want %d", n, max, want)
	}
}

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`WHERE a = '?' AND b = ?`, `WHERE a = '?' AND b = $1`},
		{`WHERE a = 'it''s ?' AND b = ?`, `WHERE a = 'it''s ?' AND b = $1`},
		{`SELECT "odd?col" FROM t WHERE x = ?`, `SELECT "odd?col" FROM t WHERE x = $1`},
		{"SELECT 1 -- why?\nWHERE x = ?", "SELECT 1 -- why?\nWHERE x = $1"},
		{`VALUES (?, 'queued', ?)`, `VALUES ($1, 'queued', $2)`},
	}
	for _, c := range cases {
		if got := (dialect{}).Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
