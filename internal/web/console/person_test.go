package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/web/api"
)

// personFixture is two senders on a webhook channel, one message each.
func personFixture(t *testing.T) (*apptest.Node, model.Message, model.Message) {
	n := apptest.Start(t)
	h := n.CreateWebhook("内部系统", 1, "")
	for _, m := range []apptest.Message{apptest.NewMessage("p1", "c1", "孙七", "第一条"), apptest.NewMessage("p2", "c2", "周八", "第二条")} {
		if st, body := n.Post(h, m); st != http.StatusOK && st != http.StatusAccepted {
			t.Fatalf("post: %d %s", st, body)
		}
	}
	var page struct{ Items []model.Message }
	apptest.WaitFor(t, 5*time.Second, "both messages", func() bool {
		n.Do("GET", "/api/v1/messages", n.Token, nil, &page)
		return len(page.Items) == 2
	})
	return n, page.Items[1], page.Items[0] // oldest first
}

// An admin links two identities on the person page and unlinks them
// again; a member sees no form, and a forged post is refused.
func TestPersonPageLinksAndUnlinks(t *testing.T) {
	n, first, second := personFixture(t)
	var other api.PersonView
	n.Do("GET", fmt.Sprintf("/api/v1/people/%d", second.SenderID), n.Token, nil, &other)
	identity := fmt.Sprint(other.Identities[0].ID)
	b := newBrowser(t, n)
	b.setLang("en")
	b.mustLogin("admin", n.AdminPW)
	path := fmt.Sprintf("/people/%d", first.SenderID)
	st, page := b.get(path)
	csrf := csrfRE.FindStringSubmatch(page)
	if st != http.StatusOK || csrf == nil || !strings.Contains(page, "第一条") || strings.Contains(page, "第二条") {
		t.Fatalf("person page before linking: %d %.300s", st, page)
	}
	st, page = b.post(path+"/link", url.Values{"csrf": {csrf[1]}, "identity_id": {identity}})
	if st != http.StatusOK || !strings.Contains(page, "第一条") || !strings.Contains(page, "第二条") || !strings.Contains(page, "Unlink") {
		t.Errorf("after linking: %d; want both messages and the unlink buttons", st)
	}
	if _, page = b.post(path+"/link", url.Values{"csrf": {csrf[1]}, "identity_id": {identity}}); !strings.Contains(page, "Nothing changed") {
		t.Error("linking twice says nothing")
	}
	st, page = b.post(path+"/unlink", url.Values{"csrf": {csrf[1]}, "identity_id": {identity}})
	if st != http.StatusOK || strings.Contains(page, "第二条") {
		t.Errorf("after unlinking: %d, still shows the other identity's message", st)
	}
	if st, _ := b.post(path+"/link", url.Values{"csrf": {"00"}, "identity_id": {identity}}); st != http.StatusForbidden {
		t.Errorf("a forged form: %d", st)
	}

	n.CreateUser("member2", "member", 1)
	m := newBrowser(t, n)
	m.mustLogin("member2", "password-member2")
	st, page = m.get(path)
	if st != http.StatusOK || strings.Contains(page, `/link"`) || !strings.Contains(page, "第一条") {
		t.Errorf("a member's person page: %d, link form shown or message missing", st)
	}
	token := csrfRE.FindStringSubmatch(page)
	if token == nil {
		t.Fatal("no CSRF token on the member's page")
	}
	if st, _ := m.post(path+"/link", url.Values{"csrf": {token[1]}, "identity_id": {identity}}); st != http.StatusForbidden {
		t.Errorf("a member's link: %d, want 403", st)
	}
}
