package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
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

// BenchmarkDeliveries measures outbound deliveries per second on embedded
// defaults: claimed from the SQLite outbox, sent by the webhook channel as
// signed POSTs over loopback HTTP to a fake platform, and recorded as
// sent. Destinations rotate over 1,000 groups. The queue is filled before
// the timer starts.
func BenchmarkDeliveries(b *testing.B) {
	var got atomic.Int64
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.Write([]byte(`{"id":"ok"}`))
	}))
	defer platform.Close()
	ctx := context.Background()
	keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), keys)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	unit, _ := st.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
	cfg, _, err := webhook.Driver{}.Prepare(map[string]string{"url": platform.URL})
	if err != nil {
		b.Fatal(err)
	}
	ch, _ := st.CreateChannel(ctx, model.Channel{Kind: webhook.Kind, Name: "out", OrgUnitID: unit.ID, Config: cfg, Enabled: true})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := channel.NewRegistry(ctx, st, channel.Env{Now: time.Now, Client: channel.NewHTTPClient()}, webhook.Driver{})
	d := outbox.New(outbox.Config{Owner: "bench", Lease: 30 * time.Second, PollEvery: time.Millisecond}, st, reg, metrics.New(), log)
	payload := []byte(`{"text":"出库单已审批 order approved"}`)
	for i := range b.N {
		if _, err := st.Enqueue(ctx, nil, model.Delivery{ChannelID: ch.ID, Destination: fmt.Sprint("group-", i%1000),
			IdemKey: fmt.Sprint("bench-", i), Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	for {
		if depth, _ := st.OutboxDepth(ctx); depth == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	stop()
	<-done
	if got.Load() != int64(b.N) {
		b.Fatalf("platform got %d deliveries, want %d", got.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
