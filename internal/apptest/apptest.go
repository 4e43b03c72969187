// Package apptest starts real Switchboard nodes inside a test, on loopback
// with a temporary data directory, and talks to them the way a platform or a
// browser would: over HTTP.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/channel/webhook"
	"switchboard/internal/config"
)

// Node is a running server.
type Node struct {
	T       testing.TB
	App     *app.App
	URL     string
	AdminPW string
	Token   string // admin API token
	cancel  context.CancelFunc
	done    chan error
	Client  *http.Client
}

// Options adjust the config before start.
type Options func(*config.Config)

func init() {
	auth.Iterations = 1000 // tests create many users; production keeps 600k
}

// Start runs a node with embedded defaults in t.TempDir().
func Start(t testing.TB, opts ...Options) *Node {
	t.Helper()
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.AdminPassword = "admin-password-1"
	cfg.LogLevel = "warn"
	for _, o := range opts {
		o(&cfg)
	}
	return StartConfig(t, cfg)
}

// StartConfig runs a node with exactly cfg.
func StartConfig(t testing.TB, cfg config.Config) *Node {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start node: %v", err)
	}
	pw, err := a.Bootstrap(ctx)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	ln, err := a.Listen()
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	n := &Node{T: t, App: a, URL: "http://" + ln.Addr().String(), AdminPW: pw, cancel: cancel, done: make(chan error, 1),
		Client: &http.Client{Timeout: 30 * time.Second}}
	go func() { n.done <- a.Run(ctx, ln) }()
	t.Cleanup(n.Stop)
	if pw != "" {
		secret, _, err := auth.CreateToken(ctx, a.Store, 1, "test", 0)
		if err != nil {
			t.Fatalf("admin token: %v", err)
		}
		n.Token = secret
	}
	return n
}

// Stop shuts the node down gracefully (idempotent).
func (n *Node) Stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	n.cancel = nil
	if err := <-n.done; err != nil {
		n.T.Errorf("node stopped with error: %v", err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// Do sends a JSON request with the given bearer token ("" for none) and
// decodes a JSON answer into out (if not nil). It returns the status.
func (n *Node) Do(method, path, token string, body, out any) int {
	n.T.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			n.T.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.URL+path, rd)
	if err != nil {
		n.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.Client.Do(req)
	if err != nil {
		n.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			n.T.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// Hook is a webhook channel created through the API.
type Hook struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
	URL    string `json:"callback_url"`
}

// CreateWebhook creates a webhook channel owned by unit, replies going to replyURL.
func (n *Node) CreateWebhook(name string, unit int64, replyURL string) Hook {
	n.T.Helper()
	var h Hook
	settings := map[string]string{}
	if replyURL != "" {
		settings["url"] = replyURL
	}
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "webhook", "name": name, "org_unit_id": unit, "settings": settings}, &h)
	if st != http.StatusCreated || h.Secret == "" {
		n.T.Fatalf("create webhook: status %d, %+v", st, h)
	}
	return h
}

// Message is the inbound webhook JSON.
type Message struct {
	ID           string `json:"id"`
	Conversation struct {
		ID    string `json:"id"`
		Title string `json:"title,omitempty"`
	} `json:"conversation"`
	Sender struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
	} `json:"sender"`
	Text        string           `json:"text"`
	Attachments []map[string]any `json:"attachments,omitempty"`
}

// NewMessage builds a webhook message.
func NewMessage(id, conv, sender, text string) Message {
	var m Message
	m.ID, m.Conversation.ID, m.Sender.ID, m.Sender.Name, m.Text = id, conv, sender, sender, text
	return m
}

// SignedRequest builds a signed webhook POST for body at time ts.
func SignedRequest(url, secret string, body []byte, ts time.Time) *http.Request {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	sec := ts.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(sec, 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, sec, body))
	return req
}

// Post sends a signed message to the hook and returns status and body.
func (n *Node) Post(h Hook, m any) (int, string) {
	n.T.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		n.T.Fatal(err)
	}
	resp, err := n.Client.Do(SignedRequest(fmt.Sprintf("%s/hooks/webhook/%d", n.URL, h.ID), h.Secret, b, time.Now()))
	if err != nil {
		n.T.Fatalf("post webhook: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// CreateUser creates a user with one role on unit and returns an API token for them.
func (n *Node) CreateUser(login string, role string, unit int64) (id int64, token string) {
	n.T.Helper()
	var u struct {
		ID int64 `json:"id"`
	}
	st := n.Do("POST", "/api/v1/users", n.Token, map[string]any{"login": login, "password": "password-" + login,
		"roles": []map[string]any{{"role": role, "org_unit_id": unit}}}, &u)
	if st != http.StatusCreated {
		n.T.Fatalf("create user %s: status %d", login, st)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if st := n.Do("POST", fmt.Sprintf("/api/v1/users/%d/tokens", u.ID), n.Token, map[string]any{"name": "test"}, &tok); st != http.StatusCreated {
		n.T.Fatalf("token for %s: status %d", login, st)
	}
	return u.ID, tok.Token
}

// CreateOrgUnit creates a unit under parent and returns its id.
func (n *Node) CreateOrgUnit(parent int64, name string) int64 {
	n.T.Helper()
	var u struct {
		ID int64 `json:"id"`
	}
	if st := n.Do("POST", "/api/v1/org-units", n.Token, map[string]any{"parent_id": parent, "name": name}, &u); st != http.StatusCreated {
		n.T.Fatalf("create org unit %s: status %d", name, st)
	}
	return u.ID
}

// WaitFor polls cond until it holds or the timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
