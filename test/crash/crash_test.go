// Package crash checks invariant 1 (ack after durable commit) and 2
// (effectively once) against the real binary: it kills `switchboard serve`
// with SIGKILL in the middle of sustained webhook load, restarts it on the
// same data directory, and requires every acknowledged message to be stored
// exactly once.
package crash

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/loadgen"
)

const adminPassword = "crash-test-password"

// server is one `switchboard serve` process.
type server struct {
	cmd *exec.Cmd
	url string
	out *bytes.Buffer
}

// build compiles the binary without -race: the crash is about the real
// program's commit path, and the race runtime would change its timing.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "switchboard")
	cmd := exec.Command("go", "build", "-o", bin, "switchboard/cmd/switchboard")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs serve on addr and waits until it answers /readyz.
func start(t *testing.T, bin, dataDir, addr string) *server {
	t.Helper()
	s := &server{url: "http://" + addr, out: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir, "--admin-password", adminPassword,
		"--lease", "2s", "--log-level", "warn")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become ready: %v\n%s", err, s.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and reaps the process (idempotent).
func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// token issues an admin API token with the CLI, straight into the database
// the running server uses (SQLite allows the second writer; it waits).
func token(t *testing.T, bin, dataDir string) string {
	t.Helper()
	out, err := exec.Command(bin, "admin", "token-create", "--data-dir", dataDir, "--login", "admin", "--name", "crash").CombinedOutput()
	if err != nil {
		t.Fatalf("token-create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// inboxDepth reads switchboard_inbox_depth from /metrics (-1 if absent).
func inboxDepth(url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var n float64
		if _, err := fmt.Sscanf(sc.Text(), "switchboard_inbox_depth %g", &n); err == nil {
			return int(n)
		}
	}
	return -1
}

func TestKillDuringLoadLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, dir := build(t), t.TempDir()
	first := start(t, bin, dir, freeAddr(t))
	tok := token(t, bin, dir)
	chID, secret, err := loadgen.NewAPI(first.url, tok).CreateWebhook(context.Background(), "crash")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadgen.Config{BaseURL: first.url, ChannelID: chID, Secret: secret, N: 1_000_000, Concurrency: 32,
		Prefix: "crash", Timeout: 10 * time.Second}
	res := loadThenKill(t, cfg, first)

	second := start(t, bin, dir, freeAddr(t))
	api := loadgen.NewAPI(second.url, tok)
	waitProcessed(t, second.url)
	stored := checkStored(t, api, chID, res)

	cfg.BaseURL, cfg.Only = second.url, sample(res.AckedIndices(), 100)
	again, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(cfg.Only)); again.OK.Load() != n || again.Duplicates.Load() != n {
		t.Errorf("re-sent %d acknowledged ids: %d 2xx, %d with \"duplicate\":true, %d non-2xx, %d errors; want all 2xx duplicates",
			n, again.OK.Load(), again.Duplicates.Load(), again.Non2xx.Load(), again.Errors.Load())
	}
	if ids, err := api.ExternalIDs(context.Background(), chID); err != nil || len(ids) != stored {
		t.Errorf("after re-sending: %d messages (err %v), want still %d", len(ids), err, stored)
	}
}

// loadThenKill drives load, SIGKILLs the server while requests are in
// flight, lets the senders run into the dead port for a moment, then stops.
func loadThenKill(t *testing.T, cfg loadgen.Config, s *server) *loadgen.Result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *loadgen.Result, 1)
	go func() {
		res, err := loadgen.Run(ctx, cfg)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	time.Sleep(2500 * time.Millisecond)
	s.kill()
	time.Sleep(300 * time.Millisecond)
	cancel()
	res := <-done
	t.Logf("load: %d sent, %d acknowledged, %d non-2xx, %d transport errors in %s",
		res.Attempted(), res.OK.Load(), res.Non2xx.Load(), res.Errors.Load(), res.Elapsed().Round(time.Millisecond))
	if res.OK.Load() < 100 || res.Errors.Load() == 0 {
		t.Fatalf("the kill did not land mid-load (%d acknowledged, %d errors)\n%s", res.OK.Load(), res.Errors.Load(), s.out)
	}
	return res
}

// waitProcessed waits until the restarted node reports an empty inbox: rows
// the killed node committed but never processed keep its 2 s lease, and the
// new node's sweep takes them over once it runs out. Every reading comes from
// the new process, and no new messages arrive, so 0 means done.
func waitProcessed(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for inboxDepth(url) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("inbox not drained after restart (depth %d)", inboxDepth(url))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkStored asserts acknowledged ⊆ stored ⊆ sent and stored = unique, and
// returns the number stored.
func checkStored(t *testing.T, api *loadgen.API, chID int64, res *loadgen.Result) int {
	t.Helper()
	ids, err := api.ExternalIDs(context.Background(), chID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, id := range ids {
		stored[id]++
	}
	sent := map[string]bool{}
	for _, id := range res.Sent() {
		sent[id] = true
	}
	acked := res.Acked()
	t.Logf("after restart: %d stored (%d unique), %d acknowledged, %d sent", len(ids), len(stored), len(acked), len(sent))
	if len(stored) != len(ids) {
		t.Errorf("%d stored messages but %d unique external ids: duplicates", len(ids), len(stored))
	}
	lost := 0
	for _, id := range acked {
		if stored[id] == 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged messages were lost", lost, len(acked))
	}
	for id := range stored {
		if !sent[id] {
			t.Errorf("stored %q, which was never sent", id)
		}
	}
	return len(ids)
}

// sample picks up to n entries spread evenly over xs.
func sample(xs []int, n int) []int {
	if len(xs) <= n {
		return xs
	}
	out := make([]int, 0, n)
	for k := range n {
		out = append(out, xs[k*len(xs)/n])
	}
	return out
}
