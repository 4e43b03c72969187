package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/channel/webhook"
	"switchboard/internal/crypto"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/outbox"
	"switchboard/internal/store/sqlite"
)

// benchLimit is Feishu's per-destination limit (5 QPS per user or group),
// applied to the benchmark's webhook channel so the limiter is on the path
// and the fake platform can check that it holds.
var benchLimit = outbox.Limit{Every: 200 * time.Millisecond, Burst: 5}

// arrivals records when each destination got a send, to check the limit.
type arrivals struct {
	mu sync.Mutex
	at map[string][]time.Time
	n  atomic.Int64
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	now := time.Now()
	a.mu.Lock()
	a.at[body.Conversation.ID] = append(a.at[body.Conversation.ID], now)
	a.mu.Unlock()
	a.n.Add(1)
	w.Write([]byte(`{"id":"ok"}`))
}

// overLimit returns a destination that got more sends in some window than
// the token bucket allows (burst + window/every), or "".
func (a *arrivals) overLimit(l outbox.Limit) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for dest, ts := range a.at {
		for i := range ts {
			for j := i + l.Burst; j < len(ts); j++ {
				if allowed := l.Burst + int(ts[j].Sub(ts[i])/l.Every); j-i+1 > allowed {
					return dest
				}
			}
		}
	}
	return ""
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDeliveries measures outbound deliveries per second on embedded
// defaults: claimed from the SQLite outbox, sent by the webhook channel as
// signed POSTs over loopback HTTP to a fake platform, and recorded as
// sent, under Feishu's per-destination limit. Destinations rotate over
// 1,000 groups. The queue is filled before the timer starts. cpu-µs/delivery
// is the whole process's CPU (dispatcher, SQLite and the fake platform)
// during the timed part, which means something on a shared machine where
// deliveries/s depends on what else runs.
func BenchmarkDeliveries(b *testing.B) {
	platform := &arrivals{at: map[string][]time.Time{}}
	srv := httptest.NewServer(platform)
	defer srv.Close()
	ctx := context.Background()
	keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), keys)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	unit, _ := st.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
	cfg, _, err := webhook.Driver{}.Prepare(map[string]string{"url": srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	ch, _ := st.CreateChannel(ctx, model.Channel{Kind: webhook.Kind, Name: "out", OrgUnitID: unit.ID, Config: cfg, Enabled: true})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := channel.NewRegistry(ctx, st, channel.Env{Now: time.Now, Client: channel.NewHTTPClient()}, webhook.Driver{})
	d := outbox.New(outbox.Config{Owner: "bench", Lease: 30 * time.Second, PollEvery: time.Millisecond,
		Limits: map[string]outbox.Limits{webhook.Kind: {Destination: []outbox.Limit{benchLimit}}}}, st, reg, metrics.New(), log)
	payload := []byte(`{"text":"出库单已审批 order approved"}`)
	for i := range b.N {
		if _, err := st.Enqueue(ctx, nil, model.Delivery{ChannelID: ch.ID, Destination: fmt.Sprint("group-", i%1000),
			IdemKey: fmt.Sprint("bench-", i), Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	for platform.n.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	for depth, _ := st.OutboxDepth(ctx); depth > 0; depth, _ = st.OutboxDepth(ctx) {
		time.Sleep(time.Millisecond) // the last round's outcomes
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	stop()
	<-done
	if got := platform.n.Load(); got != int64(b.N) {
		b.Fatalf("platform got %d deliveries, want %d", got, b.N)
	}
	if dest := platform.overLimit(benchLimit); dest != "" {
		b.Fatalf("%s got more than %d sends per %s", dest, benchLimit.Burst, benchLimit.Every)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/delivery")
}
