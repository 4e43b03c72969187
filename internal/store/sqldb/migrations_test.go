package sqldb_test

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"testing"
)

// Migrations are versioned by their position in file name order, so a gap
// or a repeated number (two branches each adding "their" 011) would make a
// database built before the merge skip a file or run one twice. Both
// dialects must also carry the same steps.
func TestMigrationFilesAreNumberedInOrder(t *testing.T) {
	var names [2][]string
	for i, dir := range []string{"../sqlite", "../postgres"} {
		got, err := fs.Glob(os.DirFS(dir), "migrations/*.sql")
		if err != nil || len(got) == 0 {
			t.Fatalf("%s: %v, %d files", dir, err, len(got))
		}
		slices.Sort(got)
		for pos, n := range got {
			if want := fmt.Sprintf("migrations/%03d_", pos+1); len(n) < len(want) || n[:len(want)] != want {
				t.Errorf("%s: file %d is %s, want it numbered %03d (versions are positions)", dir, pos+1, n, pos+1)
			}
		}
		names[i] = got
	}
	if !slices.Equal(names[0], names[1]) {
		t.Errorf("SQLite migrations %v differ from PostgreSQL's %v", names[0], names[1])
	}
}
