// Package testsvc gives tests the outside services a cluster runs on:
// a schema of its own on the machine's PostgreSQL, and a nats-server of its
// own on a free port. Under CI=true a missing service fails the test (CI
// machines have both); elsewhere the test is skipped, saying why.
package testsvc

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// defaultURLs are tried in order when SWITCHBOARD_TEST_DATABASE_URL is
// unset: the CI machine runs PostgreSQL with trust auth for postgres or root.
var defaultURLs = []string{
	"postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
	"postgres://root@127.0.0.1:5432/test?sslmode=disable",
}

var server = sync.OnceValues(func() (string, error) {
	urls := defaultURLs
	if u := os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"); u != "" {
		urls = []string{u}
	}
	var last error
	for _, u := range urls {
		db, err := sql.Open("pgx", u)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err == nil {
			return u, nil
		}
		last = err
	}
	return "", last
})

// unavailable fails under CI and skips elsewhere.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("under CI: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Admin returns the PostgreSQL server URL (the test database, not a schema).
func Admin(t testing.TB) string {
	t.Helper()
	u, err := server()
	if err != nil {
		unavailable(t, "PostgreSQL unreachable at 127.0.0.1:5432 (set SWITCHBOARD_TEST_DATABASE_URL): %v", err)
	}
	return u
}

// Schema is an empty schema that is dropped when the test ends.
type Schema struct {
	Name string
	URL  string  // connections through it use the schema (search_path)
	DB   *sql.DB // admin pool on the server
}

// FreshSchema creates an empty schema. Register it before starting anything
// that connects to it: cleanups run last-in first-out, so the drop comes after.
func FreshSchema(t testing.TB) *Schema {
	t.Helper()
	base := Admin(t)
	var b [6]byte
	rand.Read(b[:])
	s := &Schema{Name: "t_" + hex.EncodeToString(b[:])}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	s.DB = db
	if _, err := db.Exec(`CREATE SCHEMA ` + s.Name); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + s.Name + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", s.Name, err)
		}
		db.Close()
	})
	s.URL = WithParam(base, "search_path", s.Name)
	return s
}

// WithParam returns u with one query parameter set, such as
// application_name, which tells a test's own connections apart from others'.
func WithParam(u, key, value string) string {
	p, err := url.Parse(u)
	if err != nil {
		panic(err)
	}
	q := p.Query()
	q.Set(key, value)
	p.RawQuery = q.Encode()
	return p.String()
}

// NATS is a nats-server process of the test's own.
type NATS struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
	cmd  *exec.Cmd
}

// StartNATS runs the machine's nats-server on a free loopback port with a
// temporary directory of its own; it is killed when the test ends.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		unavailable(t, "nats-server binary not found: %v", err)
	}
	s := &NATS{t: t, bin: bin, dir: t.TempDir(), Port: FreePort(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is what nodes get as --nats-url.
func (s *NATS) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.Port) }

// Start (re)starts the server on its port and waits until it accepts.
func (s *NATS) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "-a", "127.0.0.1", "-p", fmt.Sprint(s.Port), "-sd", s.dir)
	s.cmd.Dir = s.dir
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatal("nats-server did not start")
}

// Stop kills the server (idempotent).
func (s *NATS) Stop() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
