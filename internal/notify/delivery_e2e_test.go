package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
)

// flaky is a platform endpoint whose answers follow a script; it records
// when each request came and remembers idempotency keys when asked to.
type flaky struct {
	mu        sync.Mutex
	script    []func(w http.ResponseWriter, n int)
	at        []time.Time
	keys      map[string]int // Idempotency-Key → requests
	delivered []string       // texts the person actually got
	dedupe    bool
	srv       *httptest.Server
}

func newFlaky(t *testing.T, dedupe bool, script ...func(w http.ResponseWriter, n int)) *flaky {
	f := &flaky{script: script, keys: map[string]int{}, dedupe: dedupe}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.Header.Get("Idempotency-Key")
		f.mu.Lock()
		n := len(f.at)
		f.at = append(f.at, time.Now())
		f.keys[key]++
		first := f.keys[key] == 1
		if !f.dedupe || first {
			f.delivered = append(f.delivered, string(body))
		}
		step := f.script[min(n, len(f.script)-1)]
		f.mu.Unlock()
		step(w, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flaky) requests() ([]time.Time, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.at...), append([]string(nil), f.delivered...)
}

func status(code int, header ...string) func(w http.ResponseWriter, n int) {
	return func(w http.ResponseWriter, n int) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"id":"m%d"}`, n)
	}
}

// urgentSetup makes a node, an inbound channel, a department head whose
// chain is the given reply URLs in order, and a rule that marks 紧急 urgent.
func urgentSetup(t *testing.T, opts apptest.Options, urls ...string) (*apptest.Node, apptest.Hook, string, []int64) {
	n := apptest.Start(t, opts)
	dept := n.CreateOrgUnit(1, "生产部")
	erp := n.CreateWebhook("ERP", dept, "")
	var chain []map[string]any
	var ids []int64
	for i, u := range urls {
		h := n.CreateWebhook(fmt.Sprint("platform-", i), dept, u)
		ids = append(ids, h.ID)
		chain = append(chain, map[string]any{"channel_id": h.ID, "destination": fmt.Sprint("zhang-", i)})
	}
	_, token := n.CreateUser("zhang", "dept_head", dept)
	if st := n.Do("PUT", "/api/v1/me/notify-settings", token, map[string]any{"chain": chain}, nil); st != http.StatusOK {
		t.Fatalf("settings: %d", st)
	}
	rule := map[string]any{"name": "紧急", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"紧急"}}},
		"actions": map[string]any{"urgent": true}}
	if st := n.Do("POST", "/api/v1/rules", n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("rule: %d", st)
	}
	return n, erp, token, ids
}

type pathView struct {
	Items []struct {
		Deliveries []struct {
			ID        int64  `json:"id"`
			ChannelID int64  `json:"channel_id"`
			State     string `json:"state"`
			Attempts  int    `json:"attempts"`
			LastError string `json:"last_error"`
			PrevID    int64  `json:"prev_id"`
		} `json:"deliveries"`
	} `json:"items"`
}

// The first channel answers 503, then 429 with Retry-After, then stays
// down: the retries wait as told, the breaker opens, the notification falls
// back to the next channel, and its record shows the whole path.
func TestDeliveryFallsBackWhenTheFirstChannelStaysDown(t *testing.T) {
	down := newFlaky(t, false, status(503), status(429, "Retry-After", "1"), status(503))
	mail := newFlaky(t, false, status(200))
	n, erp, token, ids := urgentSetup(t, func(c *config.Config) {
		c.DeliveryBackoff, c.BreakerThreshold, c.BreakerCooldown = 50*time.Millisecond, 3, time.Minute
	}, down.srv.URL, mail.srv.URL)
	if st, body := n.Post(erp, apptest.NewMessage("m1", "line-3", "李四", "紧急：生产线停机")); st != http.StatusOK {
		t.Fatalf("post: %d %s", st, body)
	}
	apptest.WaitFor(t, 10*time.Second, "the fallback delivery", func() bool {
		_, got := mail.requests()
		return len(got) == 1
	})
	at, _ := down.requests()
	if len(at) != 3 {
		t.Fatalf("the failing channel got %d attempts, want 3 (503, 429, 503 → breaker open)", len(at))
	}
	if wait := at[2].Sub(at[1]); wait < time.Second {
		t.Errorf("the attempt after 429 Retry-After: 1 came %s later, want ≥ 1s", wait)
	}
	if _, got := mail.requests(); !strings.Contains(got[0], "紧急：生产线停机") {
		t.Errorf("fallback got %q", got[0])
	}
	var v pathView
	// The platform has the send before the outbox records its answer.
	apptest.WaitFor(t, 2*time.Second, "the fallback recorded as sent", func() bool {
		n.Do("GET", "/api/v1/me/notifications", token, nil, &v)
		return len(v.Items) == 1 && len(v.Items[0].Deliveries) == 2 && v.Items[0].Deliveries[1].State == "sent"
	})
	first, second := v.Items[0].Deliveries[0], v.Items[0].Deliveries[1]
	if first.ChannelID != ids[0] || first.State != "dead" || first.Attempts != 3 || !strings.Contains(first.LastError, "circuit open") ||
		second.ChannelID != ids[1] || second.State != "sent" || second.PrevID != first.ID {
		t.Errorf("path: %+v then %+v", first, second)
	}
	var ch struct {
		Health struct{ State string } `json:"health"`
	}
	n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", ids[0]), n.Token, nil, &ch)
	if ch.Health.State != "down" {
		t.Errorf("failing channel's health = %q, want down", ch.Health.State)
	}
}

// The first attempt reaches the platform but its answer comes too late:
// the retry carries the same idempotency key, so a platform that honours
// it delivers once.
func TestTimedOutSendIsNotDeliveredTwice(t *testing.T) {
	slowOnce := func(w http.ResponseWriter, n int) {
		if n == 0 {
			time.Sleep(2500 * time.Millisecond) // past the send timeout (2/3 of the 3 s lease)
		}
		status(200)(w, n)
	}
	platform := newFlaky(t, true, slowOnce)
	n, erp, _, _ := urgentSetup(t, func(c *config.Config) {
		c.LeaseDuration, c.DeliveryBackoff = 3*time.Second, 50*time.Millisecond
	}, platform.srv.URL)
	if st, _ := n.Post(erp, apptest.NewMessage("m1", "line-3", "李四", "紧急：停电")); st != http.StatusOK {
		t.Fatal("post failed")
	}
	apptest.WaitFor(t, 10*time.Second, "the retry", func() bool {
		at, _ := platform.requests()
		return len(at) >= 2
	})
	time.Sleep(500 * time.Millisecond)
	at, delivered := platform.requests()
	if len(delivered) != 1 || len(at) != 2 {
		t.Errorf("platform saw %d requests and delivered %d messages, want 2 requests (one retry) and 1 delivery", len(at), len(delivered))
	}
}

// When the last channel of a chain refuses for good, the admins hear of
// it on their own channels and the alert is listed for them.
func TestDeadDeliveryAlertsTheAdmins(t *testing.T) {
	refuses := newFlaky(t, false, status(400))
	adminInbox := newFlaky(t, false, status(200))
	n, erp, _, _ := urgentSetup(t, func(c *config.Config) {}, refuses.srv.URL)
	ops := n.CreateWebhook("运维通知", 1, adminInbox.srv.URL)
	settings := map[string]any{"chain": []map[string]any{{"channel_id": ops.ID, "destination": "admin"}}}
	if st := n.Do("PUT", "/api/v1/me/notify-settings", n.Token, settings, nil); st != http.StatusOK {
		t.Fatalf("admin settings: %d", st)
	}
	if st, _ := n.Post(erp, apptest.NewMessage("m1", "line-3", "李四", "紧急：停电")); st != http.StatusOK {
		t.Fatal("post failed")
	}
	apptest.WaitFor(t, 5*time.Second, "the admins' alert", func() bool {
		_, got := adminInbox.requests()
		return len(got) == 1
	})
	if _, got := adminInbox.requests(); !strings.Contains(got[0], "告警") || !strings.Contains(got[0], "400") {
		t.Errorf("alert text: %s", got[0])
	}
	var alerts struct {
		Items []struct {
			Kind string `json:"kind"`
			Sent bool   `json:"sent"`
		} `json:"items"`
	}
	if st := n.Do("GET", "/api/v1/alerts", n.Token, nil, &alerts); st != http.StatusOK || len(alerts.Items) != 1 ||
		alerts.Items[0].Kind != "delivery_dead" || !alerts.Items[0].Sent {
		t.Errorf("alerts: %d %+v", st, alerts.Items)
	}
}
