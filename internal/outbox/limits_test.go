package outbox

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"switchboard/internal/metrics"
	"switchboard/internal/model"
)

func TestLimiterHoldsEveryBucket(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	l := newLimiter(map[string]Limits{"chat": {
		Destination: []Limit{{Every: time.Second, Burst: 2}},
		Channel:     []Limit{{Every: 100 * time.Millisecond, Burst: 3}},
	}})
	steps := []struct {
		dest     string
		at       time.Duration
		wantWait bool
	}{
		{"u1", 0, false},
		{"u1", 0, false},
		{"u1", 0, true}, // u1's burst of 2 is spent
		{"u2", 0, false},
		{"u3", 0, true}, // the channel's burst of 3 is spent
		{"u3", 100 * time.Millisecond, false},
		{"u1", 500 * time.Millisecond, true},   // half a token back
		{"u1", 1000 * time.Millisecond, false}, // a whole one
	}
	for i, s := range steps {
		wait := l.take("chat", 1, s.dest, t0.Add(s.at))
		if (wait > 0) != s.wantWait {
			t.Fatalf("step %d (%s at %s): wait %s, want waiting=%v", i, s.dest, s.at, wait, s.wantWait)
		}
	}
	if w := l.take("webhook", 1, "u1", t0); w != 0 {
		t.Errorf("a kind without limits waited %s", w)
	}
}

// Deliveries over a destination's limit are postponed, not attempted and
// not counted as attempts; other destinations go on.
func TestDispatcherWaitsForTheLimit(t *testing.T) {
	ch := &countingChannel{}
	d := New(Config{Owner: "n", Lease: 30 * time.Second, Limits: map[string]Limits{"fake": {Destination: []Limit{{Every: time.Hour, Burst: 2}}}}},
		nil, fakeChannels{ch}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i, tc := range []struct {
		dest, want string
	}{{"group-1", "sent:ext-k"}, {"group-1", "sent:ext-k"}, {"group-1", "postponed"}, {"group-2", "sent:ext-k"}} {
		st := &memStore{d: model.Delivery{ID: int64(i + 1), ChannelID: 1, Destination: tc.dest, IdemKey: "k", Payload: []byte(`{}`)}}
		d.store = st
		start := time.Now()
		d.drain(context.Background())
		if st.state != tc.want {
			t.Fatalf("delivery %d to %s: %q, want %q", i+1, tc.dest, st.state, tc.want)
		}
		if st.state == "postponed" && st.next.Sub(start) < 59*time.Minute {
			t.Errorf("postponed only until %s", st.next.Sub(start))
		}
	}
	if ch.sends != 3 {
		t.Errorf("%d sends reached the platform, want 3", ch.sends)
	}
}
