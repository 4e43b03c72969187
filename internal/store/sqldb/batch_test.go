package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	_ "modernc.org/sqlite"
)

func TestChunkedShapes(t *testing.T) {
	for _, tc := range []struct {
		items, width int
		want         []int // rows per call
	}{
		{0, 1, nil},
		{1, 1, []int{1}},
		{31, 1, []int{31}},
		{64, 1, []int{64}},
		{77, 1, []int{64, 13}},
		{256, 1, []int{256}},
		{600, 1, []int{256, 256, 64, 24}},
		{14, 2, []int{7}},        // 7 rows of 2 items
		{300, 2, []int{128, 22}}, // 150 rows of 2
	} {
		var got []int
		err := chunked(make([]int, tc.items), func(c []int) error {
			got = append(got, len(c)/tc.width)
			return nil
		}, tc.width)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("chunked(%d items, width %d) = %v, want %v", tc.items, tc.width, got, tc.want)
		}
	}
}

// A statement first run unprepared inside a transaction is prepared once
// that transaction ends, then reused by later ones with the same results.
func TestPreparedAfterFirstUse(t *testing.T) {
	pool, err := sql.Open("sqlite", "file:"+t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	db := New(pool, pool, nil, nil)
	db.ReusePrepared()
	defer db.Close()
	ctx := context.Background()
	if _, err := pool.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	const q = `INSERT INTO t (v) VALUES (?) RETURNING id`
	for i := range 3 {
		if i > 0 && db.prepared.stmts[q] == nil {
			t.Fatalf("transaction %d: statement not prepared after its first use", i)
		}
		var id int64
		err := db.tx(ctx, func(tx *sql.Tx) error { return db.on(tx).QueryRowContext(ctx, q, "x").Scan(&id) })
		if err != nil || id != int64(i+1) {
			t.Fatalf("transaction %d: id %d, %v", i, id, err)
		}
	}
}
