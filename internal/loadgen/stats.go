package loadgen

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Latency summarises callback→SSE latencies: from the start of the webhook
// request to the arrival of its message event.
type Latency struct {
	Count         int           `json:"count"`
	Missing       int           `json:"missing"` // acknowledged but never seen on the stream
	P50, P95, P99 time.Duration `json:"-"`
	Max           time.Duration `json:"-"`
	LastSeen      time.Time     `json:"-"` // latest arrival among the acknowledged ids
}

// Latencies joins a run with what the listener saw, over the acknowledged ids.
func Latencies(r *Result, l *Listener) Latency {
	var ds []time.Duration
	var out Latency
	for _, id := range r.Acked() {
		sent, _ := r.SendTime(id)
		seen, ok := l.Seen(id)
		if !ok {
			out.Missing++
			continue
		}
		ds = append(ds, seen.Sub(sent))
		if seen.After(out.LastSeen) {
			out.LastSeen = seen
		}
	}
	slices.Sort(ds)
	out.Count = len(ds)
	out.P50, out.P95, out.P99 = Percentile(ds, 50), Percentile(ds, 95), Percentile(ds, 99)
	if len(ds) > 0 {
		out.Max = ds[len(ds)-1]
	}
	return out
}

// Percentile returns the p-th percentile (nearest rank) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// PeakRSS reads VmHWM, the peak resident set size in bytes, of a process
// from /proc/<pid>/status (Linux only).
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// RSSSampler keeps the highest VmHWM seen of a process. VmHWM is already a
// peak, but a separate process may exit (or be killed) before the end of a
// run, so it is sampled while the process lives.
type RSSSampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

// SampleRSS starts sampling pid every interval until Stop.
func SampleRSS(pid int, every time.Duration) *RSSSampler {
	s := &RSSSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample(pid)
			select {
			case <-t.C:
			case <-s.stop:
				s.sample(pid)
				return
			}
		}
	}()
	return s
}

func (s *RSSSampler) sample(pid int) {
	if v, err := PeakRSS(pid); err == nil && v > s.peak.Load() {
		s.peak.Store(v)
	}
}

// Stop takes a last sample and returns the peak in bytes (0 if never read).
func (s *RSSSampler) Stop() int64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}
