package bus_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/testsvc"
)

func recv(t *testing.T, ch <-chan bus.Event, wait time.Duration) (bus.Event, bool) {
	t.Helper()
	select {
	case ev := <-ch:
		return ev, true
	case <-time.After(wait):
		return bus.Event{}, false
	}
}

func TestNATSCarriesEventsBetweenNodesAndSurvivesRestart(t *testing.T) {
	srv := testsvc.StartNATS(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := bus.DialNATS(srv.URL(), "node-a", log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := bus.DialNATS(srv.URL(), "node-b", log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	onA, cancelA := a.Subscribe(16)
	defer cancelA()
	onB, cancelB := b.Subscribe(16)
	defer cancelB()

	ev := bus.Event{Type: bus.MessageCreated, OrgUnitID: 7, Message: &model.Message{ID: 1, Text: "紧急"}}
	if err := a.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got, ok := recv(t, onB, 2*time.Second); !ok || got.Message.Text != "紧急" || got.OrgUnitID != 7 {
		t.Fatalf("node B got %+v (ok=%v)", got, ok)
	}
	if _, ok := recv(t, onA, time.Second); !ok {
		t.Fatal("publishing node did not see its own event")
	}
	if _, ok := recv(t, onA, 200*time.Millisecond); ok {
		t.Fatal("publishing node saw its own event twice")
	}

	srv.Stop()
	srv.Start()
	deadline := time.Now().Add(10 * time.Second)
	for !(a.Connected() && b.Connected()) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	ev.Message = &model.Message{ID: 2, Text: "after restart"}
	if err := a.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got, ok := recv(t, onB, 3*time.Second); !ok || got.Message.ID != 2 {
		t.Fatalf("after NATS restart node B got %+v (ok=%v)", got, ok)
	}
}
