package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/bus"
	"switchboard/internal/config"
	"switchboard/internal/loadgen"
)

// benchOpts are the flags of `bench ingest`.
type benchOpts struct {
	n, c       int
	rate       float64
	duration   time.Duration
	url, token string
	urls       []string // --url split at commas
	convs      int
	pid        int
	jsonOut    bool
	cpuprofile string
	dataDir    string
	keep       bool
	logLevel   string
	batchMax   int
	batchWait  time.Duration
	idle       time.Duration
	platform   string // webhook, feishu or dingtalk: whose callbacks are sent
}

const benchUsage = `Usage: switchboard bench ingest [flags]

Measures the durable ingest path end to end: signed webhook → group commit
(fsync) → 2xx, and → processing → SSE event. By default it starts a server
in-process with embedded defaults (SQLite, synchronous=FULL) in a temporary
data directory; with --url it drives a running server instead. --url may
list several nodes of one cluster, comma-separated: messages go to them
round-robin, while the channel is created and the SSE stream read through
the first, so with NATS the latency includes the hop between nodes.

Phase 1, throughput: -n messages at -c concurrency as fast as possible. The
default 256 senders stand for platforms pushing over many connections at once:
by Little's law, 10,000/s with only 64 requests in flight would leave each
6.4 ms from send to answer, less than one fsynced commit plus the HTTP work
queued for 2 cores; with more in flight each commit carries more messages.
  accepted/s  = 2xx answers per second of the send phase
  processed/s = acknowledged messages / time until the SSE client saw them all
Phase 2, latency: --rate messages/s for --duration; callback→SSE latency is
  measured from the start of each webhook request to its SSE event.

Targets (ARCHITECTURE.md): ≥ 10,000 msgs/s accepted and processed;
p99 callback→SSE < 50 ms at 2,000 msgs/s.

--platform feishu|dingtalk sends that platform's callbacks instead, built by
the simulator (Feishu encrypted and signed, DingTalk robot callbacks signed),
to a channel of that kind the benchmark creates; target ≥ 5,000 msgs/s.

Flags:
`

func parseBench(env Env, args []string) (benchOpts, error) {
	var o benchOpts
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, benchUsage); fs.PrintDefaults() }
	fs.IntVar(&o.n, "n", 100000, "messages in the throughput phase (0 = skip the phase)")
	fs.IntVar(&o.c, "c", 256, "concurrent senders (keep-alive connections) in both phases")
	fs.Float64Var(&o.rate, "rate", 2000, "messages per second in the latency phase")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the latency phase (0 = skip the phase)")
	fs.StringVar(&o.url, "url", "", "base URL of a running server, or comma-separated URLs of cluster nodes (default: start one in-process)")
	fs.StringVar(&o.token, "token", "", "admin API token for --url (switchboard admin token-create)")
	fs.IntVar(&o.pid, "pid", 0, "with --url: pid of the server, to report its peak RSS")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of this process (server and load) to `file`")
	fs.StringVar(&o.dataDir, "data-dir", "", "in-process server's data directory (default: a new temporary one)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory")
	fs.StringVar(&o.logLevel, "log-level", "warn", "in-process server's log level (logs go to stderr)")
	fs.IntVar(&o.batchMax, "batch-max", config.Defaults().BatchMax, "in-process server's --batch-max")
	fs.DurationVar(&o.batchWait, "batch-wait", config.Defaults().BatchWait, "in-process server's --batch-wait")
	fs.IntVar(&o.convs, "convs", 100, "distinct conversations the messages spread over")
	fs.DurationVar(&o.idle, "idle", 15*time.Second, "give up waiting for SSE events after this long without one")
	fs.StringVar(&o.platform, "platform", "webhook", "whose callbacks to send: webhook, feishu or dingtalk")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.url != "" && o.token == "" {
		return o, errors.New("--url needs --token")
	}
	if o.c < 1 || o.n < 0 || o.rate <= 0 || o.convs < 1 {
		return o, errors.New("want -c ≥ 1, -n ≥ 0, --rate > 0 and --convs ≥ 1")
	}
	if o.platform != "webhook" && o.platform != "feishu" && o.platform != "dingtalk" {
		return o, fmt.Errorf("--platform %q: want webhook, feishu or dingtalk", o.platform)
	}
	urls, err := splitURLs(o.url)
	o.urls = urls
	return o, err
}

// splitURLs splits --url at commas; an empty list means in-process.
func splitURLs(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	var urls []string
	for u := range strings.SplitSeq(list, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			return nil, fmt.Errorf("--url %q: empty entry", list)
		}
		urls = append(urls, u)
	}
	return urls, nil
}

func bench(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "ingest" {
		fmt.Fprint(env.Stderr, "Usage: switchboard bench ingest [flags]   (switchboard bench ingest -h for flags)\n")
		return errUsage
	}
	o, err := parseBench(env, args[1:])
	if err != nil {
		return err
	}
	t, err := benchTarget(ctx, env, o)
	if err != nil {
		return err
	}
	defer t.stop()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := runBench(ctx, env, o, t)
	if err != nil {
		return err
	}
	return rep.print(env.Stdout, o.jsonOut)
}

// target is the server, or the nodes of one cluster, under test.
type target struct {
	urls    []string // the first takes the API calls and the SSE stream
	token   string
	pid     int
	dropped func() int64 // events the in-process bus dropped; nil when unknown
	stop    func()
}

func benchTarget(ctx context.Context, env Env, o benchOpts) (*target, error) {
	if len(o.urls) > 0 {
		return &target{urls: o.urls, token: o.token, pid: o.pid, stop: func() {}}, nil
	}
	return startInProcess(ctx, env, o)
}

// startInProcess runs a node the way `serve` would, on a free loopback port.
func startInProcess(ctx context.Context, env Env, o benchOpts) (*target, error) {
	cfg := config.Defaults()
	cfg.Addr, cfg.LogLevel, cfg.BatchMax, cfg.BatchWait = "127.0.0.1:0", o.logLevel, o.batchMax, o.batchWait
	cfg.DataDir = o.dataDir
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "switchboard-bench-")
		if err != nil {
			return nil, err
		}
		cfg.DataDir = dir
	}
	cleanup := func() {
		if o.dataDir == "" && !o.keep {
			os.RemoveAll(cfg.DataDir)
		}
	}
	a, ln, err := bootInProcess(ctx, cfg, env.Stderr)
	if err != nil {
		cleanup()
		return nil, err
	}
	token, err := adminToken(ctx, a)
	if err != nil {
		a.Store.Close()
		cleanup()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Run(rctx, ln) }()
	t := &target{urls: []string{"http://" + ln.Addr().String()}, token: token, pid: os.Getpid()}
	if lb, ok := a.Bus.(*bus.Local); ok {
		t.dropped = lb.Dropped
	}
	t.stop = func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintln(env.Stderr, "bench: server stopped with error:", err)
		}
		cleanup()
	}
	if o.keep {
		fmt.Fprintln(env.Stderr, "bench: data directory", cfg.DataDir)
	}
	return t, nil
}

func bootInProcess(ctx context.Context, cfg config.Config, logTo io.Writer) (*app.App, net.Listener, error) {
	a, err := app.New(ctx, cfg, newLogger(cfg, logTo))
	if err != nil {
		return nil, nil, err
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		a.Store.Close()
		return nil, nil, err
	}
	ln, err := a.Listen()
	if err != nil {
		a.Store.Close()
		return nil, nil, err
	}
	return a, ln, nil
}

func adminToken(ctx context.Context, a *app.App) (string, error) {
	u, err := a.Store.GetUserByLogin(ctx, "admin")
	if err != nil {
		return "", fmt.Errorf("bench needs the admin user: %w", err)
	}
	secret, _, err := auth.CreateToken(ctx, a.Store, u.ID, "bench", 0)
	return secret, err
}

// machine is reported with the numbers: they mean little without it.
func machine() string {
	return fmt.Sprintf("%d CPUs, %s, %s/%s", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// report is what `bench ingest` prints.
type report struct {
	Target       string              `json:"target"`
	Nodes        int                 `json:"nodes"`
	Convs        int                 `json:"conversations"`
	Machine      string              `json:"machine"`
	Date         string              `json:"date"`
	Platform     string              `json:"platform"`
	TargetPerSec int                 `json:"target_per_sec"`
	Throughput   *loadgen.Throughput `json:"throughput,omitempty"`
	Latency      *loadgen.LatencyRun `json:"latency,omitempty"`
	PeakRSS      int64               `json:"peak_rss_bytes"`
	Dropped      int64               `json:"sse_events_dropped"` // in-process bus only
	Pass         bool                `json:"pass"`
}

func (r *report) print(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printReport(w, r)
	return nil
}

// Targets from ARCHITECTURE.md; the report says whether a run met them.
const (
	targetPerSec = 10000
	targetP99ms  = 50
)

func runBench(ctx context.Context, env Env, o benchOpts, t *target) (*report, error) {
	rss := loadgen.SampleRSS(t.pid, 250*time.Millisecond)
	base, stopLoad, err := benchLoad(ctx, o, t)
	if err != nil {
		rss.Stop()
		return nil, err
	}
	defer stopLoad()
	lctx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	l, err := loadgen.Listen(lctx, t.urls[0], t.token)
	if err != nil {
		rss.Stop()
		return nil, err
	}
	target := "in-process (SQLite, synchronous=FULL)"
	if o.url != "" {
		target = o.url
	}
	rep := &report{Target: target, Nodes: len(t.urls), Convs: o.convs, Machine: machine(), Date: time.Now().Format("2006-01-02 15:04 MST"),
		Platform: o.platform, TargetPerSec: targetPerSec}
	if o.platform != "webhook" {
		rep.TargetPerSec = targetPlatformPerSec
	}
	err = runPhases(ctx, env, o, base, l, rep)
	rep.PeakRSS = rss.Stop()
	if t.dropped != nil {
		rep.Dropped = t.dropped()
	}
	rep.Pass = passes(rep)
	return rep, err
}

// benchLoad creates the channel the run posts to and the load config for it.
func benchLoad(ctx context.Context, o benchOpts, t *target) (loadgen.Config, func(), error) {
	api := loadgen.NewAPI(t.urls[0], t.token)
	base := loadgen.Config{BaseURLs: t.urls, Concurrency: o.c, Convs: o.convs}
	if o.platform != "webhook" {
		stop, err := platformLoad(ctx, api, o.platform, &base)
		return base, stop, err
	}
	id, secret, err := api.CreateWebhook(ctx, fmt.Sprintf("bench %s", time.Now().Format(time.RFC3339)))
	base.ChannelID, base.Secret = id, secret
	return base, func() {}, err
}

func runPhases(ctx context.Context, env Env, o benchOpts, base loadgen.Config, l *loadgen.Listener, rep *report) error {
	if o.n > 0 {
		fmt.Fprintf(env.Stderr, "bench: throughput phase, %d messages at concurrency %d…\n", o.n, o.c)
		cfg := base
		cfg.N, cfg.Prefix = o.n, fmt.Sprintf("tp%d", time.Now().UnixNano())
		tp, err := loadgen.RunThroughput(ctx, cfg, l, o.idle)
		if err != nil {
			return err
		}
		rep.Throughput = &tp
	}
	if o.duration > 0 {
		fmt.Fprintf(env.Stderr, "bench: latency phase, %.0f msgs/s for %s…\n", o.rate, o.duration)
		cfg := base
		cfg.Rate, cfg.Duration, cfg.Prefix = o.rate, o.duration, fmt.Sprintf("lat%d", time.Now().UnixNano())
		lr, err := loadgen.RunLatency(ctx, cfg, l, o.idle)
		if err != nil {
			return err
		}
		rep.Latency = &lr
	}
	return nil
}

func passes(r *report) bool {
	ok := true
	if tp := r.Throughput; tp != nil {
		want := float64(r.TargetPerSec)
		ok = ok && tp.AcceptedPerSec >= want && tp.ProcessedPerSec >= want && tp.Missing == 0
	}
	if lr := r.Latency; lr != nil {
		ok = ok && lr.P99ms < targetP99ms && lr.Missing == 0 && lr.Achieved >= 0.95*lr.Rate
	}
	return ok
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "Switchboard ingest benchmark — %s\ntarget:  %s (%d node(s), %d conversations, %s callbacks)\nmachine: %s\n\n",
		r.Date, r.Target, r.Nodes, r.Convs, r.Platform, r.Machine)
	if tp := r.Throughput; tp != nil {
		want := float64(r.TargetPerSec)
		fmt.Fprintf(w, "Throughput: %d messages, concurrency %d\n", tp.Messages, tp.Concurrency)
		fmt.Fprintf(w, "  answers:     %d 2xx, %d non-2xx, %d errors in %.2fs\n", tp.Accepted, tp.Non2xx, tp.Errors, tp.SendSeconds)
		fmt.Fprintf(w, "  accepted/s:  %8.0f  (target ≥ %d: %s)\n", tp.AcceptedPerSec, r.TargetPerSec, verdict(tp.AcceptedPerSec >= want))
		fmt.Fprintf(w, "  processed/s: %8.0f  (%d seen on SSE in %.2fs, %d missing; target ≥ %d: %s)\n\n", tp.ProcessedPerSec,
			tp.Processed, tp.ProcessedSeconds, tp.Missing, r.TargetPerSec, verdict(tp.ProcessedPerSec >= want && tp.Missing == 0))
	}
	if lr := r.Latency; lr != nil {
		fmt.Fprintf(w, "Latency: %.0f msgs/s for %.1fs (achieved %.0f/s; %d sent, %d 2xx, %d non-2xx, %d errors)\n",
			lr.Rate, lr.Seconds, lr.Achieved, lr.Sent, lr.Accepted, lr.Non2xx, lr.Errors)
		fmt.Fprintf(w, "  callback→SSE over %d messages (%d missing): p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms\n",
			lr.Measured, lr.Missing, lr.P50ms, lr.P95ms, lr.P99ms, lr.MaxMs)
		fmt.Fprintf(w, "  p99 target < %d ms: %s\n\n", targetP99ms, verdict(lr.P99ms < targetP99ms && lr.Missing == 0))
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "peak RSS: %.1f MiB\n", float64(r.PeakRSS)/(1<<20))
	}
	fmt.Fprintf(w, "SSE events dropped by the bus: %d\noverall: %s\n", r.Dropped, verdict(r.Pass))
}
