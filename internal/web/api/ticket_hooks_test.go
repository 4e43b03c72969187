package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

const hookSecret = "receiver-secret-0123456789"

// hookEvent is what a receiver got, after checking the signature.
type hookEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Header   string `json:"-"` // X-Switchboard-Event
	Ticket   model.Ticket
	Change   *struct{ Field, From, To string }
	Comment  *struct{ Body string }
	Verified bool `json:"-"`
}

// receiver is an external system's endpoint. respond picks the status of
// each request (nil: 200); a negative status drops the connection.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	events  []hookEvent
	calls   atomic.Int64
	respond func(n int64) int
}

func newReceiver(t *testing.T, respond func(n int64) int) *hookReceiver {
	rc := &hookReceiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := rc.calls.Add(1)
		status := http.StatusOK
		if rc.respond != nil {
			status = rc.respond(n)
		}
		if status < 0 { // down: the connection breaks
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var ev hookEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("receiver: %v in %s", err, body)
		}
		ts := r.Header.Get("X-Switchboard-Timestamp")
		ev.Verified = r.Header.Get("X-Switchboard-Signature") == ticket.Sign(hookSecret, ts, body) && r.Header.Get("X-Switchboard-Delivery") != ""
		ev.Header = r.Header.Get("X-Switchboard-Event")
		rc.mu.Lock()
		rc.events = append(rc.events, ev)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) got() []hookEvent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookEvent(nil), rc.events...)
}

// ofTicket lists the types received for a ticket, in order.
func (rc *hookReceiver) ofTicket(id int64) []string {
	var out []string
	for _, e := range rc.got() {
		if e.Ticket.ID == id {
			out = append(out, e.Type)
		}
	}
	return out
}

func fastHooks(attempts int) apptest.Options {
	return func(c *config.Config) { c.TicketHookAttempts, c.TicketHookBackoff = attempts, 20*time.Millisecond }
}

func registerHook(t *testing.T, n *apptest.Node, url string, extra map[string]any) model.TicketWebhook {
	t.Helper()
	body := map[string]any{"name": "jira", "url": url, "secret": hookSecret}
	for k, v := range extra {
		body[k] = v
	}
	var w model.TicketWebhook
	if st := n.Do("POST", "/api/v1/ticket-webhooks", n.Token, body, &w); st != http.StatusCreated {
		t.Fatalf("register webhook: %d", st)
	}
	return w
}

func newTask(t *testing.T, n *apptest.Node, token, title string) model.Ticket {
	t.Helper()
	var tk model.Ticket
	if st := n.Do("POST", "/api/v1/tickets", token, map[string]any{"type": "task", "title": title, "org_unit_id": 1}, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket: %d", st)
	}
	return tk
}

func move(t *testing.T, n *apptest.Node, id int64, to string) {
	t.Helper()
	if st := n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", id), n.Token, map[string]string{"to": to}, nil); st != http.StatusOK {
		t.Fatalf("move ticket %d to %s: %d", id, to, st)
	}
}

func hookDeliveries(t *testing.T, n *apptest.Node, hookID int64) []model.TicketHookDelivery {
	t.Helper()
	var page struct{ Items []model.TicketHookDelivery }
	if st := n.Do("GET", fmt.Sprintf("/api/v1/ticket-webhooks/%d/deliveries", hookID), n.Token, nil, &page); st != http.StatusOK {
		t.Fatalf("delivery log: %d", st)
	}
	return page.Items
}

// A receiver gets a ticket's creation and status change in order, signed,
// with stable distinct ids; internal comments stay inside; the secret is
// never shown; the log records each delivery.
func TestTicketWebhookSignedEventsInOrder(t *testing.T) {
	n := apptest.Start(t, fastHooks(3))
	rc := newReceiver(t, nil)
	w := registerHook(t, n, rc.URL, nil)
	var raw json.RawMessage
	n.Do("GET", "/api/v1/ticket-webhooks", n.Token, nil, &raw)
	if strings.Contains(string(raw), hookSecret) {
		t.Fatalf("the webhook list shows the secret: %s", raw)
	}
	tk := newTask(t, n, n.Token, "接入 Jira")
	move(t, n, tk.ID, "in_progress")
	n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID), n.Token, map[string]any{"body": "内部备注", "public": false}, nil)
	n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID), n.Token, map[string]any{"body": "已处理", "public": true}, nil)

	want := []string{model.HookTicketCreated, model.HookTicketStatusChanged, model.HookTicketCommented}
	apptest.WaitFor(t, 5*time.Second, "three events at the receiver", func() bool { return len(rc.ofTicket(tk.ID)) >= 3 })
	time.Sleep(100 * time.Millisecond) // anything more would arrive now
	evs := rc.got()
	if got := rc.ofTicket(tk.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events = %v, want %v (no internal comment)", got, want)
	}
	ids := map[string]bool{}
	for _, e := range evs {
		if !e.Verified || e.Header != e.Type || ids[e.ID] || !strings.HasPrefix(e.ID, "tkt_") {
			t.Errorf("event %+v: signature verified %v, header %q, id repeated %v", e, e.Verified, e.Header, ids[e.ID])
		}
		ids[e.ID] = true
	}
	if c := evs[1].Change; c == nil || c.From != "accepted" || c.To != "in_progress" || evs[2].Comment == nil || evs[2].Comment.Body != "已处理" {
		t.Errorf("status change %+v, comment %+v", evs[1].Change, evs[2].Comment)
	}
	log := hookDeliveries(t, n, w.ID)
	if len(log) != 3 || log[0].State != model.HookDelivered || log[0].Attempts != 1 || log[0].ResponseCode != 200 || log[2].EventKey != evs[0].ID {
		t.Errorf("delivery log = %+v, want 3 delivered once each, newest first", log)
	}
}

// A 500 is retried and the log shows two attempts; a receiver that keeps
// failing is dead after the attempts allowed and alerts the admins; a
// redelivery sends the same event again.
func TestTicketWebhookRetryDeadAndRedeliver(t *testing.T) {
	n := apptest.Start(t, fastHooks(3))
	flaky := newReceiver(t, func(c int64) int { return map[bool]int{true: 500, false: 200}[c == 1] })
	var broken atomic.Bool
	broken.Store(true)
	down := newReceiver(t, func(int64) int { return map[bool]int{true: 503, false: 200}[broken.Load()] })
	wf := registerHook(t, n, flaky.URL, map[string]any{"events": []string{"ticket.created"}})
	wd := registerHook(t, n, down.URL, map[string]any{"events": []string{"ticket.created"}})
	tk := newTask(t, n, n.Token, "重试")

	apptest.WaitFor(t, 5*time.Second, "the flaky receiver to get the event", func() bool { return len(flaky.got()) == 1 })
	apptest.WaitFor(t, 5*time.Second, "the broken receiver's delivery to die", func() bool {
		d := hookDeliveries(t, n, wd.ID)
		return len(d) == 1 && d[0].State == model.HookDead
	})
	if d := hookDeliveries(t, n, wf.ID); len(d) != 1 || d[0].Attempts != 2 || d[0].State != model.HookDelivered || d[0].ResponseCode != 200 {
		t.Errorf("flaky log = %+v, want delivered on attempt 2", d)
	}
	dead := hookDeliveries(t, n, wd.ID)[0]
	if dead.Attempts != 3 || dead.ResponseCode != 503 || !strings.Contains(dead.LastError, "503") {
		t.Errorf("dead delivery = %+v, want 3 attempts ending in 503", dead)
	}
	var alerts struct{ Items []model.Alert }
	n.Do("GET", "/api/v1/alerts", n.Token, nil, &alerts)
	if len(alerts.Items) == 0 || alerts.Items[0].Kind != model.AlertTicketHookDead {
		t.Errorf("alerts = %+v, want a ticket_hook_dead alert", alerts.Items)
	}
	broken.Store(false)
	if st := n.Do("POST", fmt.Sprintf("/api/v1/ticket-webhooks/%d/deliveries/%d/redeliver", wd.ID, dead.ID), n.Token, nil, nil); st != http.StatusAccepted {
		t.Fatalf("redeliver: %d", st)
	}
	apptest.WaitFor(t, 5*time.Second, "the redelivered event", func() bool { return len(down.got()) == 1 })
	if e := down.got()[0]; e.Ticket.ID != tk.ID || e.ID != flaky.got()[0].ID {
		t.Errorf("redelivered %+v, want the same event id %s", e, flaky.got()[0].ID)
	}
}

// While the receiver is down, events queue; when it is back everything
// arrives, also a change written without any bus event.
func TestTicketWebhookReceiverDownThenUp(t *testing.T) {
	n := apptest.Start(t, fastHooks(10))
	var up atomic.Bool
	rc := newReceiver(t, func(int64) int { return map[bool]int{true: 200, false: -1}[up.Load()] })
	registerHook(t, n, rc.URL, nil)
	var ids []int64
	for i := range 3 {
		ids = append(ids, newTask(t, n, n.Token, fmt.Sprint("宕机期间 ", i)).ID)
	}
	tk, _ := n.App.Store.GetTicket(t.Context(), store.TicketScope{All: true}, ids[0])
	tk.Title = "changed behind the service's back"
	if _, err := n.App.Store.UpdateTicket(t.Context(), tk, []model.TicketChange{{Field: "title", To: tk.Title}}); err != nil {
		t.Fatal(err)
	}
	apptest.WaitFor(t, 5*time.Second, "failed attempts while down", func() bool { return rc.calls.Load() >= 3 })
	up.Store(true)
	apptest.WaitFor(t, 10*time.Second, "every event after the receiver is back", func() bool { return len(rc.got()) == 4 })
	if got := rc.ofTicket(ids[0]); strings.Join(got, " ") != "ticket.created ticket.updated" {
		t.Errorf("first ticket's events = %v, want created then updated", got)
	}
}

// External systems push changes back: applied once per (system,
// event_id), lifecycle enforced, nothing half-applied.
func TestTicketExternalEventsIdempotent(t *testing.T) {
	n := apptest.Start(t)
	_, bot := n.CreateUser("jira-bot", "agent", 1)
	_, member := n.CreateUser("member", "member", 1)
	tk := newTask(t, n, n.Token, "外部同步")
	path := fmt.Sprintf("/api/v1/tickets/%d/external-events", tk.ID)
	ev := map[string]any{"event_id": "10042", "system": "jira", "status": "in_progress",
		"comment": map[string]any{"body": "Jira: 开始处理", "public": true}, "external_ref": "OPS-7"}
	var res [4]ticket.ExternalResult
	var wg sync.WaitGroup
	for i := range res {
		wg.Go(func() { n.Do("POST", path, bot, ev, &res[i]) })
	}
	wg.Wait()
	dups := 0
	for _, r := range res {
		if r.Duplicate {
			dups++
		}
		if r.Ticket.Status != model.TicketInProgress {
			t.Errorf("answer %+v, want the ticket in progress", r)
		}
	}
	if dups != 3 {
		t.Errorf("%d of 4 answers were duplicates, want 3", dups)
	}
	var d ticket.Detail
	n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), n.Token, nil, &d)
	if len(d.Comments) != 1 || len(d.ExternalRefs) != 1 || d.ExternalRefs[0].Ref != "OPS-7" || d.Version != tk.Version+1 {
		t.Errorf("after 4 pushes of one event: %d comments, refs %+v, version %d", len(d.Comments), d.ExternalRefs, d.Version)
	}
	bad := map[string]any{"event_id": "10043", "system": "jira", "status": "accepted", "comment": map[string]any{"body": "x"}}
	wantCode(t, n, "POST", path, bot, bad, http.StatusConflict, "SB-2101")
	wantCode(t, n, "POST", path, member, map[string]any{"event_id": "1", "system": "jira", "external_ref": "X"}, http.StatusForbidden, "SB-3003")
	n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), n.Token, nil, &d)
	if len(d.Comments) != 1 {
		t.Errorf("a refused event added a comment: %d comments", len(d.Comments))
	}
}

// An admin type with a required select field is enforced on creation and
// edits; built-in types stay as they are.
func TestAdminTicketTypeFields(t *testing.T) {
	n := apptest.Start(t)
	typ := map[string]any{"name": "change", "label_zh": "变更", "label_en": "Change", "flow": "standard",
		"fields": []map[string]any{{"name": "env", "label_zh": "环境", "label_en": "Environment", "kind": "select",
			"options": []string{"prod", "staging"}, "required": true}, {"name": "window", "kind": "date"}}}
	if st := n.Do("POST", "/api/v1/ticket-types", n.Token, typ, nil); st != http.StatusCreated {
		t.Fatalf("create type: %d", st)
	}
	wantCode(t, n, "POST", "/api/v1/ticket-types", n.Token, typ, http.StatusConflict, "SB-2145")
	wantCode(t, n, "PUT", "/api/v1/ticket-types/incident", n.Token, map[string]any{"label_zh": "故障", "label_en": "Incident",
		"flow": "requirement"}, http.StatusConflict, "SB-2144")
	_, agent := n.CreateUser("agent", "agent", 1)
	wantCode(t, n, "POST", "/api/v1/ticket-types", agent, typ, http.StatusForbidden, "SB-3003")
	create := func(fields map[string]string) (int, apiError) {
		var e apiError
		st := n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "change", "title": "升级数据库", "org_unit_id": 1, "fields": fields}, &e)
		return st, e
	}
	for _, c := range []struct {
		fields map[string]string
		naming string
	}{{nil, `"env"`}, {map[string]string{"env": "dev"}, "dev"}, {map[string]string{"env": "prod", "window": "soon"}, `"window"`},
		{map[string]string{"env": "prod", "owner": "x"}, `"owner"`}} {
		st, e := create(c.fields)
		if st != http.StatusUnprocessableEntity || e.Error.Code != "SB-2146" || !strings.Contains(e.Error.Message, c.naming) {
			t.Errorf("fields %v: %d %s %q, want 422 SB-2146 naming %s", c.fields, st, e.Error.Code, e.Error.Message, c.naming)
		}
	}
	var tk model.Ticket
	if st := n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "change", "title": "升级", "org_unit_id": 1,
		"fields": map[string]string{"env": "prod", "window": "2026-12-24"}}, &tk); st != http.StatusCreated {
		t.Fatalf("valid fields refused: %d", st)
	}
	wantCode(t, n, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), n.Token, map[string]any{"version": tk.Version,
		"fields": map[string]string{"env": "qa"}}, http.StatusUnprocessableEntity, "SB-2146")
	var types struct{ Items []model.TicketType }
	n.Do("GET", "/api/v1/ticket-types", n.Token, nil, &types)
	last := types.Items[len(types.Items)-1]
	if last.Name != "change" || len(last.Fields) != 2 || !last.Fields[0].Required || last.Fields[0].Options[0] != "prod" {
		t.Errorf("types end with %+v, want change with its fields", last)
	}
}

// Webhooks to link-local and metadata addresses are refused.
func TestTicketWebhookSSRFGuard(t *testing.T) {
	n := apptest.Start(t)
	for _, u := range []string{"http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://metadata.google.internal/",
		"http://100.100.100.200/latest"} {
		wantCode(t, n, "POST", "/api/v1/ticket-webhooks", n.Token, map[string]any{"url": u, "secret": hookSecret}, http.StatusUnprocessableEntity, "SB-2141")
	}
	wantCode(t, n, "POST", "/api/v1/ticket-webhooks", n.Token, map[string]any{"url": "ftp://x", "secret": hookSecret}, http.StatusUnprocessableEntity, "SB-2140")
	var w struct {
		ID     int64
		Secret string
	}
	if st := n.Do("POST", "/api/v1/ticket-webhooks", n.Token, map[string]any{"url": "http://127.0.0.1:1/hook"}, &w); st != http.StatusCreated || !strings.HasPrefix(w.Secret, "whsec_") {
		t.Errorf("loopback webhook without a secret: %d, secret %q; want 201 with a generated secret shown once", st, w.Secret)
	}
	var again map[string]any
	n.Do("GET", fmt.Sprintf("/api/v1/ticket-webhooks/%d", w.ID), n.Token, nil, &again)
	if _, shown := again["secret"]; shown {
		t.Errorf("GET shows the secret: %v", again)
	}
}
