package cluster

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/loadgen"
	"switchboard/internal/testsvc"
)

const adminPassword = "cluster-test-password"

// bin is the switchboard binary TestMain builds once for every test here.
var bin string

// TestMain builds the binary without -race, like test/crash: the tests are
// about the real program against real PostgreSQL and NATS, and three race
// runtimes on two cores would change what they measure.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", bin, "switchboard/cmd/switchboard").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockedBuffer collects a process's output; the test reads it while the
// process may still be writing.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// node is one `switchboard serve` process of a cluster.
type node struct {
	name, url string
	args      []string
	cmd       *exec.Cmd
	out       *lockedBuffer
	exited    chan struct{}
}

// cluster is N nodes sharing one PostgreSQL schema, one nats-server and
// one key file, each with its own data directory and loopback port.
type cluster struct {
	t       *testing.T
	schema  *testsvc.Schema
	nats    *testsvc.NATS
	keyFile string
	token   string
	nodes   []*node
}

// newCluster starts n nodes: the first alone (it creates the schema and the
// admin), then the others.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("runs three server processes against PostgreSQL and NATS")
	}
	c := &cluster{t: t, schema: testsvc.FreshSchema(t), nats: testsvc.StartNATS(t)}
	c.keyFile = filepath.Join(t.TempDir(), "keys.json")
	if _, err := crypto.LoadOrCreate(c.keyFile); err != nil { // one key file for all nodes
		t.Fatal(err)
	}
	for i := range n {
		nd := c.spawn(fmt.Sprintf("n%d", i), true)
		if err := nd.waitReady(); err != nil {
			t.Fatalf("node %s: %v\n%s", nd.name, err, nd.out)
		}
		c.nodes = append(c.nodes, nd)
		if i == 0 {
			c.token = c.issueToken()
		}
	}
	return c
}

// dbURL is the schema's URL with an application_name naming the node, so
// the test can find (and terminate) exactly its own nodes' connections.
func (c *cluster) dbURL(name string) string {
	return testsvc.WithParam(c.schema.URL, "application_name", c.schema.Name+"-"+name)
}

// spawn starts a node process without waiting for it to become ready.
func (c *cluster) spawn(name string, withNATS bool) *node {
	c.t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(c.t))
	nd := &node{name: name, url: "http://" + addr, args: []string{"serve", "--addr", addr, "--data-dir", c.t.TempDir(),
		"--database-url", c.dbURL(name), "--key-file", c.keyFile, "--node-id", name, "--admin-password", adminPassword,
		"--lease", "2s", "--log-level", "warn"}}
	if withNATS {
		nd.args = append(nd.args, "--nats-url", c.nats.URL())
	}
	nd.start(c.t)
	return nd
}

func (nd *node) start(t *testing.T) {
	t.Helper()
	nd.out, nd.exited = &lockedBuffer{}, make(chan struct{})
	nd.cmd = exec.Command(bin, nd.args...)
	nd.cmd.Stdout, nd.cmd.Stderr = nd.out, nd.out
	if err := nd.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = nd.cmd.Wait(); close(nd.exited) }()
	t.Cleanup(nd.kill)
}

// restart starts the node again with the same address, data dir and flags.
func (nd *node) restart(t *testing.T) {
	t.Helper()
	nd.start(t)
	if err := nd.waitReady(); err != nil {
		t.Fatalf("restart %s: %v\n%s", nd.name, err, nd.out)
	}
}

// waitReady waits for /readyz, or reports that the process exited.
func (nd *node) waitReady() error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-nd.exited:
			return fmt.Errorf("exited (%v)", nd.cmd.ProcessState)
		default:
		}
		if resp, err := http.Get(nd.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after 20s")
}

// waitExit waits for the process to end by itself and returns its output.
func (nd *node) waitExit(t *testing.T) string {
	t.Helper()
	select {
	case <-nd.exited:
		return nd.out.String()
	case <-time.After(20 * time.Second):
		t.Fatalf("node %s still running, want it to refuse to start\n%s", nd.name, nd.out)
		return ""
	}
}

// kill sends SIGKILL and waits for the process to be reaped (idempotent).
func (nd *node) kill() {
	select {
	case <-nd.exited:
	default:
		_ = nd.cmd.Process.Kill()
		<-nd.exited
	}
}

// issueToken makes an admin API token with the CLI, straight in the database.
func (c *cluster) issueToken() string {
	c.t.Helper()
	out, err := exec.Command(bin, "admin", "token-create", "--data-dir", c.t.TempDir(), "--database-url", c.dbURL("cli"),
		"--key-file", c.keyFile, "--login", "admin", "--name", "cluster").CombinedOutput()
	if err != nil {
		c.t.Fatalf("token-create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (c *cluster) api(i int) *loadgen.API { return loadgen.NewAPI(c.nodes[i].url, c.token) }

// webhook creates a webhook channel through the first node.
func (c *cluster) webhook() (int64, string) {
	c.t.Helper()
	id, secret, err := c.api(0).CreateWebhook(context.Background(), "cluster")
	if err != nil {
		c.t.Fatal(err)
	}
	return id, secret
}

// pending counts unprocessed inbox rows, read from the schema directly so
// the answer does not depend on which nodes are up.
func (c *cluster) pending(where string) int {
	c.t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM ` + c.schema.Name + `.inbox WHERE done = 0` + where
	if err := c.schema.DB.QueryRow(q).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// count runs SELECT COUNT(*) FROM <table and condition> in the schema.
func (c *cluster) count(fromWhere string) int {
	c.t.Helper()
	var n int
	if err := c.schema.DB.QueryRow(`SELECT COUNT(*) FROM ` + c.schema.Name + `.` + fromWhere).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds or timeout passes.
func (c *cluster) waitFor(timeout time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitDrained waits until every inbox row is processed.
func (c *cluster) waitDrained(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for c.pending("") != 0 {
		if time.Now().After(deadline) {
			c.t.Fatalf("inbox not drained after %s: %d rows pending", timeout, c.pending(""))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logs returns every node's output, for failure messages.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, nd := range c.nodes {
		fmt.Fprintf(&b, "--- %s:\n%s", nd.name, nd.out)
	}
	return b.String()
}
