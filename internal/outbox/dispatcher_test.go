package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// memStore is a one-delivery outbox that records what the dispatcher decided.
type memStore struct {
	mu      sync.Mutex
	d       model.Delivery
	claimed int
	next    time.Time
	state   string
	errText string
}

func (s *memStore) ClaimDeliveries(_ context.Context, _ string, now, _ time.Time, limit int) ([]model.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != "" || s.claimed > 0 {
		return nil, nil
	}
	s.claimed++
	return []model.Delivery{s.d}, nil
}

func (s *memStore) record(state string, next time.Time, errText string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state, s.next, s.errText = state, next, errText
	return nil
}

func (s *memStore) RecordAndClaim(ctx context.Context, outs []store.DeliveryOutcome, owner string, now, until time.Time, limit int) ([]model.Delivery, error) {
	if err := s.RecordDeliveries(ctx, outs); err != nil {
		return nil, err
	}
	return s.ClaimDeliveries(ctx, owner, now, until, limit)
}

func (s *memStore) RecordDeliveries(_ context.Context, outs []store.DeliveryOutcome) error {
	for _, o := range outs {
		state := string(o.Kind)
		switch o.Kind {
		case store.OutcomeSent:
			state = "sent:" + o.ExternalID
		case store.OutcomePostpone:
			state = "postponed"
		}
		s.record(state, o.Next, o.Err)
	}
	return nil
}

// fakeChannel answers every send with err (or success when nil).
type fakeChannel struct{ err error }

func (c fakeChannel) Start(context.Context, channel.Sink) error { return nil }
func (c fakeChannel) Send(_ context.Context, m channel.Outbound) (channel.Receipt, error) {
	if c.err != nil {
		return channel.Receipt{}, c.err
	}
	return channel.Receipt{ExternalID: "ext-" + m.IdemKey}, nil
}
func (c fakeChannel) Update(context.Context, channel.Receipt, channel.Outbound) error { return nil }
func (c fakeChannel) Health() model.Health                                            { return model.Health{} }

type fakeChannels struct{ ch channel.Channel }

func (f fakeChannels) Get(context.Context, int64) (channel.Channel, model.Channel, error) {
	return f.ch, model.Channel{Kind: "fake"}, nil
}

func TestOutcomeOfOneAttempt(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		attempts int // before this one
		state    string
		minWait  time.Duration
	}{
		{"success records the platform id", nil, 0, "sent:ext-k", 0},
		{"5xx retries after backoff", errors.New("503"), 0, "retry", 800 * time.Millisecond},
		{"Retry-After longer than backoff wins", &channel.RetryAfterError{After: time.Minute, Err: errors.New("429")}, 0, "retry", time.Minute},
		{"permanent error is dead at once", channel.Permanent(errors.New("400 bad chat")), 0, "dead", 0},
		{"last attempt is dead", errors.New("503"), 9, "dead", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &memStore{d: model.Delivery{ID: 1, IdemKey: "k", Attempts: c.attempts, Payload: []byte(`{"text":"hi"}`)}}
			d := New(Config{Owner: "n", Lease: 30 * time.Second, MaxAttempts: 10}, st, fakeChannels{fakeChannel{c.err}},
				metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
			start := time.Now()
			d.drain(context.Background())
			if st.state != c.state {
				t.Fatalf("state %q, want %q (err %q)", st.state, c.state, st.errText)
			}
			if c.minWait > 0 && st.next.Sub(start) < c.minWait {
				t.Errorf("next attempt in %s, want at least %s", st.next.Sub(start), c.minWait)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 30: time.Minute} {
		for range 50 {
			got := Backoff(attempt, time.Second, time.Minute)
			if got < want*8/10 || got > want*12/10 {
				t.Fatalf("attempt %d: %s, want %s ±20%%", attempt, got, want)
			}
		}
	}
}

// countingChannel fails every send with err and counts the attempts.
type countingChannel struct {
	fakeChannel
	mu    sync.Mutex
	sends int
}

func (c *countingChannel) Send(ctx context.Context, m channel.Outbound) (channel.Receipt, error) {
	c.mu.Lock()
	c.sends++
	c.mu.Unlock()
	return c.fakeChannel.Send(ctx, m)
}

// A channel that keeps failing opens its breaker: the failure that opens
// it moves a delivery with a fallback on at once, later deliveries are not
// attempted while it is open (on to their fallback, or postponed until the
// breaker lets a probe through), and a success closes it again.
func TestBreakerOpensAndFallsBack(t *testing.T) {
	down := &countingChannel{fakeChannel: fakeChannel{errors.New("503 service unavailable")}}
	d := New(Config{Owner: "n", Lease: 30 * time.Second, BreakerThreshold: 2, BreakerCooldown: time.Minute}, nil,
		fakeChannels{down}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	fallback := []model.NotifyHop{{ChannelID: 2, Destination: "zhang@acme.cn"}}
	attempt := func(del model.Delivery) *memStore {
		st := &memStore{d: del}
		d.store = st
		d.drain(context.Background())
		return st
	}
	steps := []struct {
		name      string
		del       model.Delivery
		wantState string
		wantSends int
		wantErr   string
	}{
		{"first failure retries", model.Delivery{ID: 1, ChannelID: 1, Fallback: fallback, Payload: []byte(`{}`)}, "retry", 1, "503"},
		{"the failure that opens the breaker falls back", model.Delivery{ID: 1, ChannelID: 1, Attempts: 1, Fallback: fallback, Payload: []byte(`{}`)}, "dead", 2, "circuit open"},
		{"while open, a delivery with a fallback moves on unattempted", model.Delivery{ID: 2, ChannelID: 1, Fallback: fallback, Payload: []byte(`{}`)}, "dead", 2, "circuit open"},
		{"while open, one without waits for the breaker", model.Delivery{ID: 3, ChannelID: 1, Payload: []byte(`{}`)}, "postponed", 2, "circuit open"},
	}
	for _, s := range steps {
		st := attempt(s.del)
		if st.state != s.wantState || down.sends != s.wantSends || !strings.Contains(st.errText, s.wantErr) {
			t.Fatalf("%s: state %q, %d sends, error %q; want %q, %d, %q", s.name, st.state, down.sends, st.errText, s.wantState, s.wantSends, s.wantErr)
		}
	}
	if got := d.ChannelState(1); got != "down" {
		t.Errorf("channel state %q, want down", got)
	}
	d.breakers.by[1].openUntil = time.Now() // the cooldown has passed
	down.err = nil
	if st := attempt(model.Delivery{ID: 4, ChannelID: 1, IdemKey: "k", Payload: []byte(`{}`)}); st.state != "sent:ext-k" || d.ChannelState(1) != "" {
		t.Errorf("probe after the cooldown: %q, channel %q; want sent and closed", st.state, d.ChannelState(1))
	}
}
