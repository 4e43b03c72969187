package ticket

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// Sign is the X-Switchboard-Signature of body sent at timestamp (unix
// seconds): "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>".
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// attempt POSTs one delivery and says what became of it.
func (h *Hooks) attempt(ctx context.Context, w model.TicketWebhook, d model.TicketHookDelivery) store.HookOutcome {
	o := store.HookOutcome{ID: d.ID}
	start := time.Now()
	code, retryAfter, said, err := h.post(ctx, w, d)
	o.Latency, o.ResponseCode = time.Since(start), code
	switch {
	case err == nil && code >= 200 && code < 300:
		o.State = model.HookDelivered
		return o
	case err != nil:
		o.LastError = err.Error()
	default:
		o.LastError = strings.TrimSuffix(fmt.Sprintf("HTTP %d: %s", code, said), ": ")
	}
	retryable := err != nil || code == http.StatusTooManyRequests || code >= 500
	if errors.Is(err, errBlockedTarget) || !retryable || d.Attempts >= h.Cfg.MaxAttempts {
		o.State = model.HookDead
		return o
	}
	o.State, o.NextAt = model.HookPending, time.Now().Add(max(h.backoff(d.Attempts), retryAfter))
	return o
}

// post sends the body, signed, and returns the status, any Retry-After
// and the start of what the receiver said (for the delivery log).
func (h *Hooks) post(ctx context.Context, w model.TicketWebhook, d model.TicketHookDelivery) (int, time.Duration, string, error) {
	ctx, cancel := context.WithTimeout(ctx, h.Cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, 0, "", err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-Webhook/1")
	req.Header.Set("X-Switchboard-Event", d.EventType)
	req.Header.Set("X-Switchboard-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Switchboard-Timestamp", ts)
	req.Header.Set("X-Switchboard-Signature", Sign(w.Secret, ts, d.Payload))
	resp, err := h.Client.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	said, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if !utf8.Valid(said) {
		said = nil
	}
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now(), h.Cfg.MaxBackoff), strings.TrimSpace(string(said)), nil
}

// backoff is the wait after the n-th failed attempt: doubling from the
// base, capped, with ±20 % jitter so retries of many deliveries spread.
func (h *Hooks) backoff(n int) time.Duration {
	d := h.Cfg.BaseBackoff << min(max(n-1, 0), 20)
	if d <= 0 || d > h.Cfg.MaxBackoff {
		d = h.Cfg.MaxBackoff
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped.
func retryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}

// errBlockedTarget is a webhook address the SSRF guard refuses.
var errBlockedTarget = errors.New("address is link-local or a cloud metadata endpoint (set ticket-webhook-allow-link-local to allow)")

// metadataAddrs are cloud metadata endpoints outside the link-local ranges.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
}

// BlockedAddr reports whether the SSRF guard refuses ip: link-local
// (169.254.0.0/16, where most clouds serve instance metadata, and
// fe80::/10), unspecified and the other metadata endpoints. Loopback and
// private addresses stay allowed, like the webhook channel's reply URLs:
// receivers are often on the same host or network.
func BlockedAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
		return true
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

// HookClient is the HTTP client webhooks are sent with. It checks the
// address actually dialled (so a name resolving to a metadata address, or
// changing to one later, is refused too) and follows no redirects.
func HookClient(allowLinkLocal bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		if allowLinkLocal {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil || BlockedAddr(ap.Addr()) {
			return fmt.Errorf("dial %s: %w", address, errBlockedTarget)
		}
		return nil
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.Proxy = nil // the guard must see the receiver's address, not a proxy's
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
