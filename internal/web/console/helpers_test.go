package console_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// browser is an HTTP client that keeps cookies and follows redirects, like
// a person's browser without JavaScript.
type browser struct {
	t *testing.T
	n *apptest.Node
	c *http.Client
}

func newBrowser(t *testing.T, n *apptest.Node) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, n: n, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.n.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.n.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in through the form and returns the page it lands on.
func (b *browser) login(login, password string) (int, string) {
	b.t.Helper()
	return b.post("/login", url.Values{"login": {login}, "password": {password}})
}

// mustLogin signs in and fails the test unless the inbox comes back.
func (b *browser) mustLogin(login, password string) {
	b.t.Helper()
	if st, body := b.login(login, password); st != http.StatusOK || !strings.Contains(body, `id="messages"`) {
		b.t.Fatalf("login %s: status %d, body %.300s", login, st, body)
	}
}

var langLinkRE = regexp.MustCompile(`class="lang" href="([^"]*)"`)

// setLang switches the UI language by following the switch link on the
// sign-in page until it names lang.
func (b *browser) setLang(lang string) {
	b.t.Helper()
	for range 2 {
		_, page := b.get("/login")
		link := langLinkRE.FindStringSubmatch(page)
		if link == nil {
			b.t.Fatal("sign-in page has no language switch")
		}
		href := html.UnescapeString(link[1])
		if !strings.HasPrefix(href, "/lang?to="+lang+"&") {
			continue // the link offers the other language; this page is already in lang
		}
		if st, _ := b.get(href); st != http.StatusOK {
			b.t.Fatalf("switch language via %s: status %d", href, st)
		}
		return
	}
}

var (
	csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]*)"`)
	idemRE = regexp.MustCompile(`name="idem" value="([^"]*)"`)
)

// formTokens reads the hidden CSRF and idempotency fields from a page.
func formTokens(t *testing.T, body string) (csrf, idem string) {
	t.Helper()
	c, i := csrfRE.FindStringSubmatch(body), idemRE.FindStringSubmatch(body)
	if c == nil || i == nil || c[1] == "" {
		t.Fatalf("page has no reply form tokens: %.500s", body)
	}
	return c[1], i[1]
}

// webhookMsg is an inbound webhook message with a conversation title and kind.
func webhookMsg(id, conv, title, sender, text string) map[string]any {
	return map[string]any{"id": id, "conversation": map[string]string{"id": conv, "title": title},
		"sender": map[string]string{"id": sender, "name": sender}, "text": text}
}

// post sends a signed webhook message and fails unless it was accepted.
func post(t *testing.T, n *apptest.Node, h apptest.Hook, m any) {
	t.Helper()
	if st, body := n.Post(h, m); st >= 300 {
		t.Fatalf("webhook post: %d %s", st, body)
	}
}

// stored waits until a message with text is in the store and returns it.
func stored(t *testing.T, n *apptest.Node, text string) model.Message {
	t.Helper()
	var found model.Message
	apptest.WaitFor(t, 5*time.Second, fmt.Sprintf("message %q stored", text), func() bool {
		var p struct{ Items []model.Message }
		n.Do("GET", "/api/v1/messages?limit=500", n.Token, nil, &p)
		for _, m := range p.Items {
			if m.Text == text {
				found = m
				return true
			}
		}
		return false
	})
	return found
}
