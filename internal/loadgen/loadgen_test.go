package loadgen_test

import (
	"context"
	"os"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/loadgen"
)

func setup(t *testing.T) (*apptest.Node, loadgen.Config, *loadgen.Listener) {
	t.Helper()
	n := apptest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	id, secret, err := loadgen.NewAPI(n.URL, n.Token).CreateWebhook(ctx, "load")
	if err != nil {
		t.Fatal(err)
	}
	l, err := loadgen.Listen(ctx, n.URL, n.Token)
	if err != nil {
		t.Fatal(err)
	}
	return n, loadgen.Config{BaseURL: n.URL, ChannelID: id, Secret: secret, Concurrency: 8}, l
}

func TestRunAcknowledgesStoresAndStreamsEveryMessage(t *testing.T) {
	n, cfg, l := setup(t)
	cfg.N, cfg.Prefix = 300, "t"
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK.Load() != 300 || res.Errors.Load() != 0 || res.Non2xx.Load() != 0 || len(res.Acked()) != 300 {
		t.Fatalf("ok %d, errors %d, non-2xx %d, acked %d; want 300 ok", res.OK.Load(), res.Errors.Load(), res.Non2xx.Load(), len(res.Acked()))
	}
	if missing := l.WaitAll(context.Background(), res.Acked(), 10*time.Second); missing != 0 {
		t.Fatalf("%d messages never seen on the event stream", missing)
	}
	lat := loadgen.Latencies(res, l)
	if lat.Count != 300 || lat.Missing != 0 || lat.P50 <= 0 || lat.P50 > lat.P99 || lat.P99 > lat.Max {
		t.Errorf("latency summary %+v", lat)
	}
	ids, err := loadgen.NewAPI(n.URL, n.Token).ExternalIDs(context.Background(), cfg.ChannelID)
	if err != nil || len(ids) != 300 {
		t.Fatalf("stored %d (err %v), want 300", len(ids), err)
	}
}

func TestResendingAcknowledgedIDsAnswersDuplicate(t *testing.T) {
	_, cfg, _ := setup(t)
	cfg.N, cfg.Prefix = 20, "d"
	if _, err := loadgen.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Only = []int{0, 7, 19}
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK.Load() != 3 || res.Duplicates.Load() != 3 || res.Attempted() != 3 {
		t.Errorf("re-send: ok %d, duplicates %d, attempted %d; want 3 each", res.OK.Load(), res.Duplicates.Load(), res.Attempted())
	}
	if _, ok := res.SendTime(loadgen.ID("d", 7)); !ok {
		t.Error("no send time recorded for d-7")
	}
	if _, ok := res.SendTime(loadgen.ID("d", 8)); ok {
		t.Error("send time recorded for d-8, which was not re-sent")
	}
}

func TestRateLimitsSending(t *testing.T) {
	_, cfg, _ := setup(t)
	cfg.Rate, cfg.Duration = 200, 500*time.Millisecond
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempted() != 100 || res.Elapsed() < 450*time.Millisecond {
		t.Errorf("sent %d in %s; want 100 over about 500ms", res.Attempted(), res.Elapsed())
	}
}

func TestRefusedSignatureCountsAsNon2xx(t *testing.T) {
	_, cfg, _ := setup(t)
	cfg.N, cfg.Secret = 5, "wrong"
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Non2xx.Load() != 5 || len(res.Acked()) != 0 || len(res.Sent()) != 5 {
		t.Errorf("non-2xx %d, acked %d, sent %d; want 5, 0, 5", res.Non2xx.Load(), len(res.Acked()), len(res.Sent()))
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := loadgen.Percentile(ds, p); got != want {
			t.Errorf("p%.0f = %s, want %s", p, got, want)
		}
	}
	if loadgen.Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing should be 0")
	}
}

func TestPeakRSSOfOwnProcess(t *testing.T) {
	v, err := loadgen.PeakRSS(os.Getpid())
	if err != nil || v < 1<<20 {
		t.Fatalf("PeakRSS = %d, %v", v, err)
	}
	if got := loadgen.SampleRSS(os.Getpid(), 10*time.Millisecond).Stop(); got < v {
		t.Errorf("sampled peak %d < earlier reading %d", got, v)
	}
}
