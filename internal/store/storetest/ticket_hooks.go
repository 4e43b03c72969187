package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// recordAll turns every pending history row and comment into an event.
func recordAll(t *testing.T, s store.Store) []store.HookSource {
	t.Helper()
	must(t, s.AdvanceHookCursors(context.Background(), time.Minute))
	src, err := s.HookSources(context.Background(), 100)
	must(t, err)
	for _, h := range src {
		typ, internal := model.HookTicketUpdated, false
		switch {
		case h.Source == "comment":
			typ, internal = model.HookTicketCommented, !h.Comment.Public
		case h.Change.Field == "created":
			typ = model.HookTicketCreated
		}
		must(t, s.RecordHookEvent(context.Background(), store.HookEvent{Source: h.Source, SourceID: h.ID, Type: typ,
			TicketID: h.TicketID, Internal: internal, OccurredAt: h.At, Payload: []byte(`{"type":"` + typ + `"}`)}))
	}
	return src
}

// Webhooks keep their secret sealed and unchanged by an edit without one;
// each committed change becomes one event, delivered to the webhooks that
// want it (internal comments only to those that opted in), once.
func testTicketHookEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	all, err := s.CreateTicketWebhook(ctx, model.TicketWebhook{Name: "jira", URL: "http://x/a", Secret: "s1", Active: true, IncludeInternal: true})
	must(t, err)
	created, err := s.CreateTicketWebhook(ctx, model.TicketWebhook{Name: "c", URL: "http://x/b", Secret: "s2", Active: true,
		Events: []string{model.HookTicketCreated, model.HookTicketCommented}})
	must(t, err)
	all.Name, all.Secret = "jira2", ""
	if _, err := s.UpdateTicketWebhook(ctx, all); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetTicketWebhook(ctx, all.ID); got.Secret != "s1" || got.Name != "jira2" {
		t.Fatalf("after an edit without a secret: %+v, want secret s1 kept and name jira2", got)
	}
	time.Sleep(2 * time.Millisecond) // events after the webhooks were made
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "t")})
	tk.Status = model.TicketInProgress
	tk, err = s.UpdateTicket(ctx, tk, []model.TicketChange{{Field: "status", From: "accepted", To: "in_progress"}})
	must(t, err)
	_, err = s.AddTicketComment(ctx, model.TicketComment{TicketID: tk.ID, Body: "内部", Public: false})
	must(t, err)
	if src := recordAll(t, s); len(src) != 3 {
		t.Fatalf("sources = %+v, want created, status, comment", src)
	}
	if again := recordAll(t, s); len(again) != 0 {
		t.Fatalf("a second pass found %d sources again", len(again))
	}
	must(t, s.RecordHookEvent(ctx, store.HookEvent{Source: "history", SourceID: 1, Type: "x", TicketID: tk.ID, OccurredAt: time.Now()}))
	want := map[int64]int{all.ID: 3, created.ID: 1} // the internal comment is not for "c"
	for id, n := range want {
		ds, err := s.ListHookDeliveries(ctx, id, 0, 10)
		must(t, err)
		if len(ds) != n {
			t.Errorf("webhook %d has %d deliveries, want %d: %+v", id, len(ds), n, ds)
		}
	}
}

// Claims give each ticket's oldest pending delivery to one owner; a 5xx
// retries later, a dead one raises an alert, redelivery makes it due again.
func testTicketHookClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	w, err := s.CreateTicketWebhook(ctx, model.TicketWebhook{Name: "h", URL: "http://x", Secret: "s", Active: true})
	must(t, err)
	time.Sleep(2 * time.Millisecond)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "t")})
	_, err = s.UpdateTicket(ctx, tk, []model.TicketChange{{Field: "title", From: "t", To: "t2"}})
	must(t, err)
	recordAll(t, s)
	now := time.Now()
	a, err := s.ClaimHookDeliveries(ctx, "a", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(a) != 1 || a[0].EventType != model.HookTicketCreated || a[0].Attempts != 1 || string(a[0].Payload) == "" {
		t.Fatalf("first claim = %+v, want only the created event (the update waits behind it)", a)
	}
	if b, _ := s.ClaimHookDeliveries(ctx, "b", now, now.Add(time.Minute), 10); len(b) != 0 {
		t.Fatalf("a second owner claimed %+v while a holds the ticket's delivery", b)
	}
	must(t, s.RecordHookOutcome(ctx, "a", store.HookOutcome{ID: a[0].ID, State: model.HookDelivered, ResponseCode: 200, Latency: 12 * time.Millisecond}))
	b, _ := s.ClaimHookDeliveries(ctx, "b", now, now.Add(time.Minute), 10)
	if len(b) != 1 || b[0].EventType != model.HookTicketUpdated {
		t.Fatalf("after the first was delivered, claim = %+v, want the update", b)
	}
	must(t, s.RecordHookOutcome(ctx, "b", store.HookOutcome{ID: b[0].ID, State: model.HookDead, ResponseCode: 500, LastError: "HTTP 500"}))
	alerts, err := s.ListAlerts(ctx, 10)
	must(t, err)
	if len(alerts) != 1 || alerts[0].Kind != model.AlertTicketHookDead {
		t.Fatalf("alerts = %+v, want one ticket_hook_dead", alerts)
	}
	ds, _ := s.ListHookDeliveries(ctx, w.ID, 0, 10)
	if len(ds) != 2 || ds[0].State != model.HookDead || ds[1].State != model.HookDelivered || ds[1].LatencyMS != 12 {
		t.Fatalf("log = %+v, want dead then delivered (12 ms)", ds)
	}
	d, err := s.RedeliverHook(ctx, w.ID, ds[0].ID)
	must(t, err)
	if d.State != model.HookPending || d.Attempts != 0 {
		t.Fatalf("redelivered = %+v, want pending with 0 attempts", d)
	}
	if _, err := s.RedeliverHook(ctx, w.ID, ds[0].ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("redeliver a pending delivery: %v, want a conflict", err)
	}
	if _, err := s.RedeliverHook(ctx, w.ID+1, ds[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("redeliver through another webhook: %v, want not found", err)
	}
}

// An external event applies once; its repeat changes nothing. A built-in
// ticket type cannot be replaced.
func testTicketExternal(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	tk := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "t")})
	next := tk
	next.Status = model.TicketInProgress
	ev := store.ExternalEvent{System: "jira", EventID: "e1", TicketID: tk.ID, Result: []byte(`{"n":1}`), Ticket: &next,
		Changes: []model.TicketChange{{Field: "status", From: "accepted", To: "in_progress"}},
		Comment: &model.TicketComment{Body: "from jira", Public: true}, Ref: "OPS-1"}
	if _, dup, err := s.ApplyExternalEvent(ctx, ev); err != nil || dup {
		t.Fatalf("first apply: dup %v err %v", dup, err)
	}
	res, dup, err := s.ApplyExternalEvent(ctx, ev)
	if err != nil || !dup || string(res) != `{"n":1}` {
		t.Fatalf("repeat: %s dup %v err %v, want the stored result as a duplicate", res, dup, err)
	}
	cs, _ := s.TicketComments(ctx, tk.ID, false)
	got, _ := s.GetTicket(ctx, store.TicketScope{All: true}, tk.ID)
	refs, _ := s.ExternalRefs(ctx, tk.ID)
	if len(cs) != 1 || got.Version != tk.Version+1 || got.Status != model.TicketInProgress || len(refs) != 1 || refs[0].Ref != "OPS-1" {
		t.Fatalf("after two applies: %d comments, version %d status %s, refs %+v", len(cs), got.Version, got.Status, refs)
	}
	stale := ev
	stale.EventID = "e2"
	if _, _, err := s.ApplyExternalEvent(ctx, stale); !errors.Is(err, store.ErrStale) {
		t.Fatalf("stale version: %v, want ErrStale", err)
	}
	if cs, _ := s.TicketComments(ctx, tk.ID, false); len(cs) != 1 {
		t.Errorf("a refused event left %d comments, want 1 (nothing half-applied)", len(cs))
	}
	typ := model.TicketType{Name: "change", LabelZH: "变更", LabelEN: "Change", Flow: "standard",
		Fields: []model.TicketFieldDef{{Name: "env", Kind: "select", Options: []string{"prod"}, Required: true}}}
	must(t, s.PutTicketType(ctx, typ, true))
	wantErr(t, "create twice", s.PutTicketType(ctx, typ, true), store.ErrConflict)
	wantErr(t, "replace built-in", s.PutTicketType(ctx, model.TicketType{Name: "incident", Flow: "standard"}, false), store.ErrConflict)
	wantErr(t, "replace missing", s.PutTicketType(ctx, model.TicketType{Name: "nope", Flow: "standard"}, false), store.ErrNotFound)
	types, _ := s.TicketTypes(ctx)
	last := types[len(types)-1]
	if last.Name != "change" || len(last.Fields) != 1 || !last.Fields[0].Required || last.Builtin {
		t.Errorf("types end with %+v, want the admin type with its required field", last)
	}
}

// The scan's start never passes a change not yet recorded, however old:
// a late commit is found. A change recorded as seen only gets no delivery.
func testTicketHookCursor(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newTicketFixture(t, s)
	_, err := s.CreateTicketWebhook(ctx, model.TicketWebhook{Name: "h", URL: "http://x", Secret: "s", Active: true})
	must(t, err)
	time.Sleep(2 * time.Millisecond)
	a := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "a")})
	b := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "b")})
	src, err := s.HookSources(ctx, 10)
	must(t, err)
	if len(src) != 2 {
		t.Fatalf("sources = %+v, want both creations", src)
	}
	// Only b's change is recorded, as seen only.
	must(t, s.RecordHookEvent(ctx, store.HookEvent{Source: "history", SourceID: src[1].ID, Type: model.HookTicketCreated,
		TicketID: b.ID, OccurredAt: src[1].At, Payload: []byte("{}"), SeenOnly: true}))
	must(t, s.AdvanceHookCursors(ctx, 0))
	left, err := s.HookSources(ctx, 10)
	must(t, err)
	if len(left) != 1 || left[0].TicketID != a.ID {
		t.Fatalf("after advancing past old rows: sources %+v, want a's creation still owed", left)
	}
	now := time.Now()
	if ds, _ := s.ClaimHookDeliveries(ctx, "n", now, now.Add(time.Minute), 10); len(ds) != 0 {
		t.Errorf("a change recorded as seen only was delivered: %+v", ds)
	}
	recordAll(t, s)
	must(t, s.AdvanceHookCursors(ctx, 0))
	c := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "c")})
	if left, _ := s.HookSources(ctx, 10); len(left) != 1 || left[0].TicketID != c.ID {
		t.Errorf("after everything was recorded and the cursor moved: sources %+v, want only c's creation", left)
	}

	// Pruning drops finished deliveries and the events behind the cursor;
	// a pending one stays, and nothing pruned is found again.
	now = time.Now()
	ds, err := s.ClaimHookDeliveries(ctx, "n", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(ds) != 1 || ds[0].TicketID != a.ID {
		t.Fatalf("claimed %+v, want a's creation", ds)
	}
	must(t, s.RecordHookOutcome(ctx, "n", store.HookOutcome{ID: ds[0].ID, State: model.HookDelivered}))
	recordAll(t, s) // c's creation: pending
	must(t, s.AdvanceHookCursors(ctx, 0))
	n, err := s.PruneHookEvents(ctx, time.Now().Add(time.Hour))
	must(t, err)
	log, _ := s.ListHookDeliveries(ctx, ds[0].WebhookID, 0, 10)
	if n != 1 || len(log) != 1 || log[0].TicketID != c.ID || log[0].State != model.HookPending {
		t.Errorf("pruned %d, log left %+v; want a's delivery gone and c's pending one kept", n, log)
	}
	if left, _ := s.HookSources(ctx, 10); len(left) != 0 {
		t.Errorf("after pruning, sources %+v came back", left)
	}
}
