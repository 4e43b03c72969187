package ticket

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// metadataHosts are names of cloud metadata services.
var metadataHosts = []string{"metadata.google.internal", "metadata", "metadata.azure.com"}

// CheckWebhook validates a webhook an admin registers: an http(s) URL
// (like the webhook channel's reply URL) that is not link-local or a cloud
// metadata endpoint unless allowed, and known event types. A missing secret
// is generated; generated is true then, so it can be shown once.
func CheckWebhook(ctx context.Context, w *model.TicketWebhook, allowLinkLocal bool) (generated bool, err error) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return false, errcode.BadWebhook.With("url: want an http(s) URL, got %q", w.URL)
	}
	if !allowLinkLocal {
		if err := checkHost(ctx, u.Hostname()); err != nil {
			return false, err
		}
	}
	for _, e := range w.Events {
		if !slices.Contains(model.HookEventTypes, e) {
			return false, errcode.BadWebhook.With("events: %q is unknown; known: %s", e, strings.Join(model.HookEventTypes, ", "))
		}
	}
	w.Events = slices.Compact(slices.Sorted(slices.Values(w.Events)))
	if w.Secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		w.Secret, generated = "whsec_"+hex.EncodeToString(b), true
	}
	if len(w.Secret) < 16 {
		return false, errcode.BadWebhook.With("secret: at least 16 characters")
	}
	return generated, nil
}

// checkHost refuses a host that is, or resolves to, a blocked address.
// The sender checks the dialled address again, so a name changing later
// is caught there; a name that does not resolve now is accepted.
func checkHost(ctx context.Context, host string) error {
	if slices.Contains(metadataHosts, strings.ToLower(strings.TrimSuffix(host, "."))) {
		return errcode.BlockedTarget.With("host %q is a cloud metadata service", host)
	}
	addrs := []string{host}
	if _, err := netip.ParseAddr(host); err != nil {
		addrs, _ = net.DefaultResolver.LookupHost(ctx, host)
	}
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil && BlockedAddr(ip) {
			return errcode.BlockedTarget.With("host %q is %s", host, a)
		}
	}
	return nil
}
