// Package loadgen drives a Switchboard node the way a busy in-house system
// would: unique, signed webhook callbacks over keep-alive connections, at full
// speed or at a fixed rate. It records when each message was sent and which
// ones were acknowledged with a 2xx, listens on the SSE stream for the
// resulting events, and turns the two into callback→screen latencies. The
// `switchboard bench` command and the crash test share it.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/channel/webhook"
)

// Config describes one load run against one webhook channel.
type Config struct {
	BaseURL string // http://host:port, no trailing slash needed
	// BaseURLs, when set, replaces BaseURL with several nodes of one
	// cluster: message i goes to BaseURLs[i % len(BaseURLs)], each node
	// over a keep-alive pool of its own.
	BaseURLs    []string
	ChannelID   int64
	Secret      string
	N           int           // messages to send; with Rate and Duration set, N = Rate×Duration when 0
	Concurrency int           // parallel senders (and keep-alive connections)
	Rate        float64       // messages per second; 0 = as fast as the server answers
	Duration    time.Duration // with Rate: how long to send
	Prefix      string        // external id prefix, unique per run (default: time based)
	Convs       int           // distinct conversations the messages spread over (default 100)
	Timeout     time.Duration // per request (default 30s)
	// Only, when set, sends just these message numbers (each < N), for
	// re-sending messages of an earlier run with the same Prefix.
	Only []int
	// Path and Build, when set, replace the signed webhook: message i is
	// Build(ID(Prefix, i), i) posted to Path on each node, e.g. a platform
	// simulator's signed and encrypted callback. The message must carry id
	// as its external id, so events can be matched to requests.
	Path  string
	Build func(id string, i int) (Request, error)
}

func (c *Config) normalise() error {
	if len(c.BaseURLs) == 0 && c.BaseURL != "" {
		c.BaseURLs = []string{c.BaseURL}
	}
	if len(c.BaseURLs) == 0 || slices.Contains(c.BaseURLs, "") {
		return fmt.Errorf("loadgen: a base URL is required")
	}
	if (c.Build == nil) != (c.Path == "") {
		return fmt.Errorf("loadgen: Build and Path go together")
	}
	if c.Build == nil && (c.ChannelID == 0 || c.Secret == "") {
		return fmt.Errorf("loadgen: webhook channel id and secret are required")
	}
	urls := make([]string, len(c.BaseURLs)) // the caller's slice stays untouched
	for i, u := range c.BaseURLs {
		urls[i] = strings.TrimRight(u, "/")
	}
	c.BaseURLs, c.BaseURL = urls, urls[0]
	if c.N <= 0 && c.Rate > 0 && c.Duration > 0 {
		c.N = int(c.Rate * c.Duration.Seconds())
	}
	if c.N <= 0 {
		return fmt.Errorf("loadgen: want N > 0 or Rate and Duration")
	}
	for _, i := range c.Only {
		if i < 0 || i >= c.N {
			return fmt.Errorf("loadgen: message %d outside 0..%d", i, c.N-1)
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.Prefix == "" {
		c.Prefix = "lg" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	if c.Convs <= 0 {
		c.Convs = 100
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return nil
}

// ID is the external id of message i of a run with this prefix.
func ID(prefix string, i int) string { return prefix + "-" + strconv.Itoa(i) }

// NewClient returns an HTTP client keeping up to conns idle connections to
// one host, so every sender reuses its connection instead of dialling (the
// default keeps 2, which turns a load test into a TCP handshake test).
func NewClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// Run sends cfg.N messages and returns what happened to each. It stops early
// when ctx ends; messages not attempted by then are simply not in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	path := cfg.Path
	if path == "" {
		path = fmt.Sprintf("/hooks/webhook/%d", cfg.ChannelID)
	}
	urls := make([]string, len(cfg.BaseURLs))
	for k, base := range cfg.BaseURLs {
		urls[k] = base + path
	}
	res := newResult(cfg.Prefix, cfg.N)
	jobs := make(chan int, cfg.Concurrency)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		ps, err := newPosters(urls, cfg.Timeout)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			defer ps.close()
			for i := range jobs {
				res.record(i, send(ctx, ps[i%len(ps)], cfg, i))
			}
		})
	}
	res.Start = time.Now()
	schedule(ctx, cfg, res.Start, jobs)
	close(jobs)
	wg.Wait()
	res.End = time.Now()
	return res, nil
}

// posters is one sender's connection to each node: any sender may talk to
// any node.
type posters []poster

func newPosters(urls []string, timeout time.Duration) (posters, error) {
	ps := make(posters, len(urls))
	for k, u := range urls {
		p, err := newPoster(u, timeout)
		if err != nil {
			return nil, err
		}
		ps[k] = p
	}
	return ps, nil
}

func (ps posters) close() {
	for _, p := range ps {
		p.close()
	}
}

// schedule hands out message numbers: as fast as workers take them, or at
// the configured rate, measured from start so a late tick is caught up
// rather than lost.
func schedule(ctx context.Context, cfg Config, start time.Time, jobs chan<- int) {
	order := cfg.Only
	if order == nil {
		order = make([]int, cfg.N)
		for i := range order {
			order[i] = i
		}
	}
	for k, i := range order {
		if cfg.Rate > 0 {
			due := start.Add(time.Duration(float64(k) / cfg.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// outcome is what one request produced.
type outcome struct {
	start  time.Time
	status int // 0 = transport error
	dup    bool
}

// webhookRequest is message i as a signed webhook callback.
func (c Config) webhookRequest(_ string, i int) (Request, error) {
	body := Body(c, i)
	ts := time.Now().Unix()
	return Request{Body: body, Header: [][2]string{{"Content-Type", "application/json"},
		{webhook.HeaderTimestamp, strconv.FormatInt(ts, 10)}, {webhook.HeaderSignature, webhook.Sign(c.Secret, ts, body)}}}, nil
}

// Body returns the webhook JSON of message i; ids are plain ASCII so no
// escaping is needed and building it stays cheap next to the server's work.
func Body(cfg Config, i int) []byte {
	conv := i % cfg.Convs
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"conversation":{"id":"conv-%d","title":"Load %d"},"sender":{"id":"user-%d","name":"User %d"},"text":"load test message %d: the printer on floor %d is out of paper again"}`,
		ID(cfg.Prefix, i), conv, conv, conv, conv, i, i%9+1)
	return b.Bytes()
}

func send(ctx context.Context, p poster, cfg Config, i int) outcome {
	build := cfg.Build
	if build == nil {
		build = cfg.webhookRequest
	}
	r, err := build(ID(cfg.Prefix, i), i)
	o := outcome{start: time.Now()}
	if err != nil {
		return o
	}
	status, raw, err := p.post(ctx, r)
	if err != nil {
		return o
	}
	o.status = status
	o.dup = bytes.Contains(raw, []byte(`"duplicate":true`))
	return o
}

// Result is what a run did, per message and in total.
type Result struct {
	Prefix     string
	Start, End time.Time
	OK         atomic.Int64 // 2xx answers
	Duplicates atomic.Int64 // 2xx answers saying "duplicate":true
	Non2xx     atomic.Int64
	Errors     atomic.Int64 // transport errors (refused, reset, timeout)

	sent   []int64 // send start, unix nanos; 0 = not attempted
	status []int32 // HTTP status; 0 = error or not attempted
}

func newResult(prefix string, n int) *Result {
	return &Result{Prefix: prefix, sent: make([]int64, n), status: make([]int32, n)}
}

// record is called once per message index, each from one goroutine, so the
// per-index slots need no lock; readers wait for Run to return.
func (r *Result) record(i int, o outcome) {
	r.sent[i] = o.start.UnixNano()
	r.status[i] = int32(o.status)
	switch {
	case o.status == 0:
		r.Errors.Add(1)
	case o.status >= 200 && o.status < 300:
		r.OK.Add(1)
		if o.dup {
			r.Duplicates.Add(1)
		}
	default:
		r.Non2xx.Add(1)
	}
}

// Attempted counts messages a request was started for.
func (r *Result) Attempted() int {
	n := 0
	for _, s := range r.sent {
		if s != 0 {
			n++
		}
	}
	return n
}

// Elapsed is the length of the send phase.
func (r *Result) Elapsed() time.Duration { return r.End.Sub(r.Start) }

// AcceptedPerSec is 2xx answers per second of the send phase.
func (r *Result) AcceptedPerSec() float64 { return float64(r.OK.Load()) / r.Elapsed().Seconds() }

// Acked returns the external ids that got a 2xx.
func (r *Result) Acked() []string { return r.ids(r.acked) }

// AckedIndices returns the message numbers that got a 2xx, for Config.Only.
func (r *Result) AckedIndices() []int {
	var out []int
	for i := range r.status {
		if r.acked(i) {
			out = append(out, i)
		}
	}
	return out
}

func (r *Result) acked(i int) bool { return r.status[i] >= 200 && r.status[i] < 300 }

// Sent returns the external ids a request was started for, answered or not:
// a request cut off by a crash may still have been committed.
func (r *Result) Sent() []string { return r.ids(func(i int) bool { return r.sent[i] != 0 }) }

func (r *Result) ids(keep func(int) bool) []string {
	var out []string
	for i := range r.sent {
		if keep(i) {
			out = append(out, ID(r.Prefix, i))
		}
	}
	return out
}

// SendTime returns when the request for external id began.
func (r *Result) SendTime(id string) (time.Time, bool) {
	i, ok := r.index(id)
	if !ok || r.sent[i] == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, r.sent[i]), true
}

// index maps an external id of this run back to its slot.
func (r *Result) index(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, r.Prefix+"-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || i >= len(r.sent) {
		return 0, false
	}
	return i, true
}
