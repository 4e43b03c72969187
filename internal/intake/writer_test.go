package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// slowDisk is an Appender whose commits take a while, like an fsync.
type slowDisk struct {
	mu        sync.Mutex
	batches   []int
	committed map[string]bool
	fail      atomic.Bool
}

func (d *slowDisk) AcceptInbox(_ context.Context, es []store.InboxEntry) ([]int64, []model.Message, error) {
	time.Sleep(2 * time.Millisecond)
	if d.fail.Load() {
		return nil, nil, errors.New("disk full")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.batches = append(d.batches, len(es))
	ids := make([]int64, len(es))
	for i, e := range es {
		if !d.committed[e.Envelope.ExternalID] {
			d.committed[e.Envelope.ExternalID] = true
			ids[i] = int64(len(d.committed))
		}
	}
	return ids, nil, nil
}

func newTestWriter(d *slowDisk) (*Writer, chan store.InboxItem) {
	out := make(chan store.InboxItem, 10000)
	w := NewWriter(WriterConfig{Owner: "t", Lease: time.Second, BatchMax: 256, KindOf: func(int64) string { return "webhook" }},
		d, out, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return w, out
}

func TestConcurrentAcceptsShareCommitsAndAnswerAfterThem(t *testing.T) {
	d := &slowDisk{committed: map[string]bool{}}
	w, out := newTestWriter(d)
	ctx, cancel := context.WithCancel(context.Background())
	go w.Run(ctx)
	var wg sync.WaitGroup
	var dup atomic.Int64
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(i % 300) // 100 retries of earlier ids
			acc, err := w.Accept(context.Background(), model.Envelope{ChannelID: 1, ExternalID: id})
			if err != nil {
				t.Error(err)
				return
			}
			d.mu.Lock()
			ok := d.committed[id]
			d.mu.Unlock()
			if !ok {
				t.Errorf("%s answered before its commit", id)
			}
			if acc.Duplicate {
				dup.Add(1)
			}
		}()
	}
	wg.Wait()
	cancel()
	<-w.Stopped()
	if dup.Load() != 100 || len(out) != 300 {
		t.Errorf("duplicates %d (want 100), handed to processing %d (want 300)", dup.Load(), len(out))
	}
	if len(d.batches) >= 400 {
		t.Errorf("%d commits for 400 concurrent accepts: no group commit", len(d.batches))
	}
}

func TestFailedCommitIsNotAcknowledged(t *testing.T) {
	d := &slowDisk{committed: map[string]bool{}}
	d.fail.Store(true)
	w, out := newTestWriter(d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	_, err := w.Accept(context.Background(), model.Envelope{ChannelID: 1, ExternalID: "x"})
	if !errors.Is(err, errcode.Unavailable) || len(out) != 0 {
		t.Fatalf("err = %v, queued %d; want Unavailable and nothing queued", err, len(out))
	}
}

func TestAcceptAfterShutdownIsRefused(t *testing.T) {
	w, _ := newTestWriter(&slowDisk{committed: map[string]bool{}})
	ctx, cancel := context.WithCancel(context.Background())
	go w.Run(ctx)
	cancel()
	<-w.Stopped()
	if _, err := w.Accept(context.Background(), model.Envelope{ExternalID: "late"}); !errors.Is(err, errcode.ShuttingDown) {
		t.Fatalf("err = %v, want ShuttingDown", err)
	}
}
