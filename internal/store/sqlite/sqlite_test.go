package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/storetest"
)

func testKeys(t *testing.T) *crypto.Keyring {
	t.Helper()
	keys, err := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func openTemp(t *testing.T) (*sqldb.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.db")
	db, err := Open(context.Background(), path, testKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTemp(t)
		return db
	})
}

func TestSealedAtRest(t *testing.T) {
	db, path := openTemp(t)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.AtRest(t, db, raw)
}

// TestReopenKeepsData checks migrations run once: a second Open of the same
// file finds the data and does not try to recreate tables.
func TestReopenKeepsData(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, model.User{Login: "alice", Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	again, err := Open(ctx, path, testKeys(t))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	if n, err := again.CountUsers(ctx); err != nil || n != 1 {
		t.Fatalf("after reopen CountUsers = %d, %v", n, err)
	}
}
