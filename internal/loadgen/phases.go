package loadgen

import (
	"context"
	"time"
)

// Throughput is the outcome of a run as fast as possible.
type Throughput struct {
	Messages       int     `json:"messages"`
	Concurrency    int     `json:"concurrency"`
	Accepted       int64   `json:"accepted"` // 2xx answers
	Non2xx         int64   `json:"non_2xx"`
	Errors         int64   `json:"errors"`
	SendSeconds    float64 `json:"send_seconds"`
	AcceptedPerSec float64 `json:"accepted_per_sec"`
	// Processed counts acknowledged messages the SSE client saw; the rate is
	// over the time from the first request to the last of those events.
	Processed        int     `json:"processed"`
	ProcessedSeconds float64 `json:"processed_seconds"`
	ProcessedPerSec  float64 `json:"processed_per_sec"`
	Missing          int     `json:"sse_missing"`
}

// RunThroughput sends cfg.N messages at full speed, then waits (up to idle
// without progress) for the listener to see each acknowledged one.
func RunThroughput(ctx context.Context, cfg Config, l *Listener, idle time.Duration) (Throughput, error) {
	cfg.Rate = 0
	res, err := Run(ctx, cfg)
	if err != nil {
		return Throughput{}, err
	}
	out := Throughput{Messages: cfg.N, Concurrency: cfg.Concurrency, Accepted: res.OK.Load(), Non2xx: res.Non2xx.Load(),
		Errors: res.Errors.Load(), SendSeconds: res.Elapsed().Seconds(), AcceptedPerSec: res.AcceptedPerSec()}
	acked := res.Acked()
	l.WaitAll(ctx, acked, idle)
	lat := Latencies(res, l)
	out.Processed, out.Missing = lat.Count, lat.Missing
	if lat.Count > 0 {
		out.ProcessedSeconds = lat.LastSeen.Sub(res.Start).Seconds()
		out.ProcessedPerSec = float64(lat.Count) / out.ProcessedSeconds
	}
	return out, nil
}

// LatencyRun is the outcome of a fixed-rate run.
type LatencyRun struct {
	Rate     float64 `json:"rate"`
	Seconds  float64 `json:"seconds"`
	Sent     int     `json:"sent"`
	Accepted int64   `json:"accepted"`
	Non2xx   int64   `json:"non_2xx"`
	Errors   int64   `json:"errors"`
	Achieved float64 `json:"achieved_per_sec"` // 2xx per second actually reached
	Measured int     `json:"measured"`         // acknowledged and seen on the stream
	Missing  int     `json:"sse_missing"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// RunLatency sends at cfg.Rate for cfg.Duration and measures each
// acknowledged message from request start to its SSE event.
func RunLatency(ctx context.Context, cfg Config, l *Listener, idle time.Duration) (LatencyRun, error) {
	cfg.N = 0
	res, err := Run(ctx, cfg)
	if err != nil {
		return LatencyRun{}, err
	}
	l.WaitAll(ctx, res.Acked(), idle)
	lat := Latencies(res, l)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return LatencyRun{Rate: cfg.Rate, Seconds: res.Elapsed().Seconds(), Sent: res.Attempted(), Accepted: res.OK.Load(),
		Non2xx: res.Non2xx.Load(), Errors: res.Errors.Load(), Achieved: res.AcceptedPerSec(), Measured: lat.Count,
		Missing: lat.Missing, P50ms: ms(lat.P50), P95ms: ms(lat.P95), P99ms: ms(lat.P99), MaxMs: ms(lat.Max)}, nil
}
