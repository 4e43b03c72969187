package ticket

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"switchboard/internal/model"
)

func TestBlockedAddr(t *testing.T) {
	for _, c := range []struct {
		ip      string
		blocked bool
	}{
		{"169.254.169.254", true}, {"169.254.1.2", true}, {"fe80::1", true}, {"::ffff:169.254.169.254", true},
		{"100.100.100.200", true}, {"fd00:ec2::254", true}, {"0.0.0.0", true},
		{"127.0.0.1", false}, {"10.1.2.3", false}, {"192.168.1.10", false}, {"8.8.8.8", false}, {"::1", false},
	} {
		if got := BlockedAddr(netip.MustParseAddr(c.ip)); got != c.blocked {
			t.Errorf("BlockedAddr(%s) = %v, want %v", c.ip, got, c.blocked)
		}
	}
}

// What a receiver answers decides the delivery: 2xx delivered, 429 and 5xx
// retried (no sooner than Retry-After), other answers and the last
// attempt dead.
func TestHookAttemptOutcomes(t *testing.T) {
	status, after := 0, ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(status)
		if status >= 400 {
			w.Write([]byte("receiver says no"))
		}
	}))
	defer srv.Close()
	h := NewHooks(nil, nil, HookConfig{MaxAttempts: 3, BaseBackoff: 10 * time.Millisecond}, nil)
	w := model.TicketWebhook{URL: srv.URL, Secret: "s"}
	for _, c := range []struct {
		status   int
		after    string
		attempt  int
		state    string
		minDelay time.Duration
	}{
		{204, "", 1, model.HookDelivered, 0},
		{500, "", 1, model.HookPending, 5 * time.Millisecond},
		{429, "7", 1, model.HookPending, 6 * time.Second},
		{503, "", 3, model.HookDead, 0},
		{404, "", 1, model.HookDead, 0},
		{302, "", 1, model.HookDead, 0},
	} {
		status, after = c.status, c.after
		o := h.attempt(context.Background(), w, model.TicketHookDelivery{ID: 1, Attempts: c.attempt, Payload: []byte(`{}`)})
		if o.State != c.state || o.ResponseCode != c.status || (c.state == model.HookPending && time.Until(o.NextAt) < c.minDelay) ||
			(c.status >= 400 && o.LastError != fmt.Sprintf("HTTP %d: receiver says no", c.status)) {
			t.Errorf("HTTP %d (Retry-After %q) on attempt %d: %+v, want %s no sooner than %v", c.status, c.after, c.attempt, o, c.state, c.minDelay)
		}
	}
	blocked := model.TicketWebhook{URL: "http://169.254.169.254/latest", Secret: "s"}
	if o := h.attempt(context.Background(), blocked, model.TicketHookDelivery{Attempts: 1}); o.State != model.HookDead {
		t.Errorf("a metadata address at send time: %+v, want dead without retries", o)
	}
}

func TestSignMatchesDocumentedScheme(t *testing.T) {
	// echo -n '1700000000.{"id":"x"}' | openssl dgst -sha256 -hmac secret
	got := Sign("secret", "1700000000", []byte(`{"id":"x"}`))
	if got != "sha256=2f7852138f9dbd8d61c07c2cfb0b8ac96a46a32d78d4527788fb42fcb409a493" {
		t.Fatalf("signature %q", got)
	}
}

func TestCheckFields(t *testing.T) {
	typ := model.TicketType{Name: "change", Fields: []model.TicketFieldDef{
		{Name: "env", Kind: "select", Options: []string{"prod"}, Required: true},
		{Name: "cost", Kind: "number"}, {Name: "at", Kind: "date"}, {Name: "note", Kind: "text"}}}
	for _, c := range []struct {
		fields map[string]string
		ok     bool
	}{
		{map[string]string{"env": "prod"}, true},
		{map[string]string{"env": "prod", "cost": "12.5", "at": "2026-01-02", "note": "任意"}, true},
		{map[string]string{"env": "prod", "at": "2026-01-02T10:00:00Z"}, true},
		{map[string]string{}, false},
		{map[string]string{"env": ""}, false},
		{map[string]string{"env": "dev"}, false},
		{map[string]string{"env": "prod", "cost": "cheap"}, false},
		{map[string]string{"env": "prod", "at": "tomorrow"}, false},
		{map[string]string{"env": "prod", "other": "x"}, false},
	} {
		if err := CheckFields(typ, c.fields); (err == nil) != c.ok {
			t.Errorf("CheckFields(%v) = %v, want ok %v", c.fields, err, c.ok)
		}
	}
	if err := CheckFields(model.TicketType{Name: "incident"}, map[string]string{"device": "R1"}); err != nil {
		t.Errorf("a type without field definitions refused free fields: %v", err)
	}
}
