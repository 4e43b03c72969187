package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"switchboard/internal/testsvc"
)

// A node whose lock connection is cut (database restart, killed backend)
// takes the lock again; while another node without NATS holds it instead,
// the node reports itself unready.
func TestNodeLockIsRetakenAfterConnectionLoss(t *testing.T) {
	s := testsvc.FreshSchema(t)
	ctx := context.Background()
	name := s.Name + "-lock"
	l, err := lockNode(ctx, testsvc.WithParam(s.URL, "application_name", name), true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	kill := func() {
		t.Helper()
		if _, err := s.DB.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, name); err != nil {
			t.Fatal(err)
		}
	}

	// Watching: a cut connection is noticed and the lock taken again, so a
	// node without NATS is still kept out.
	wctx, stop := context.WithCancel(ctx)
	go l.watch(wctx, 20*time.Millisecond, log)
	kill()
	waitUntil(t, func() bool {
		solo, err := lockNode(ctx, s.URL, false)
		if err == nil {
			solo.Close()
		}
		return err != nil && l.Err() == nil
	}, "the lock is held again")
	stop()

	// Not watching, the connection is cut and a node without NATS takes
	// the database: once watching resumes, this node reports itself unready
	// until the other one leaves, then holds the lock again.
	kill()
	// pg_terminate_backend only signals: the lock goes when the backend
	// has exited, which under load can take a while.
	var solo *nodeLock
	waitUntil(t, func() bool {
		solo, err = lockNode(ctx, s.URL, false)
		return err == nil
	}, "the exclusive lock is free after the cut")
	wctx, stop = context.WithCancel(ctx)
	defer stop()
	go l.watch(wctx, 20*time.Millisecond, log)
	waitUntil(t, func() bool { return l.Err() != nil }, "the node reports the lost lock")
	solo.Close()
	waitUntil(t, func() bool { return l.Err() == nil }, "the lock is retaken after the other node left")
}

func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Nodes counts the sessions holding the cluster lock of this schema only:
// two nodes here, one after a node leaves; another schema's nodes are not
// counted.
func TestNodesCountsTheLiveNodes(t *testing.T) {
	s, other := testsvc.FreshSchema(t), testsvc.FreshSchema(t)
	ctx := context.Background()
	a, err := lockNode(ctx, s.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := lockNode(ctx, s.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := lockNode(ctx, other.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	defer elsewhere.Close()
	if n, err := a.Nodes(ctx); err != nil || n != 2 {
		t.Fatalf("Nodes with two nodes = %d, %v", n, err)
	}
	b.Close()
	waitUntil(t, func() bool { n, _ := a.Nodes(ctx); return n == 1 }, "one node after the other left")
}
