package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

type page struct {
	Items      []model.Message `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

func countMessages(n *apptest.Node, token, query string) int {
	var p page
	n.Do("GET", "/api/v1/messages?"+query, token, nil, &p)
	return len(p.Items)
}

func TestSignedWebhookIsStoredOnceAndSearchable(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	m := apptest.NewMessage("evt-1", "conv-1", "zhang", "这个问题很紧急")
	m.Conversation.Title = "生产线群"
	for i := range 3 { // platforms retry; each answer is 2xx, one message results
		st, body := n.Post(h, m)
		if st != http.StatusOK {
			t.Fatalf("post %d: status %d %s", i, st, body)
		}
		if want := fmt.Sprintf(`"duplicate":%t`, i > 0); !strings.Contains(body, want) {
			t.Errorf("post %d: body %s, want %s", i, body, want)
		}
	}
	apptest.WaitFor(t, time.Second, "message visible", func() bool { return countMessages(n, n.Token, "") == 1 })
	var p page
	n.Do("GET", "/api/v1/messages", n.Token, nil, &p)
	got := p.Items[0]
	if got.Text != "这个问题很紧急" || got.SenderName != "zhang" || got.Kind != model.KindText || got.ChannelID != h.ID {
		t.Errorf("stored message = %+v", got)
	}
	var conv model.Conversation
	n.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", got.ConversationID), n.Token, nil, &conv)
	if conv.Title != "生产线群" || conv.MessageCount != 1 {
		t.Errorf("conversation = %+v", conv)
	}
	searches := []struct {
		q    string
		want int
	}{{"紧急", 1}, {"问题", 1}, {"很紧急", 1}, {"紧张", 0}, {"zhang", 1}}
	for _, s := range searches {
		if got := countMessages(n, n.Token, "q="+s.q); got != s.want {
			t.Errorf("search %q: %d results, want %d", s.q, got, s.want)
		}
	}
}

func TestBadCallbacksAreRefusedWholeAndCounted(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	good := []byte(`{"id":"x1","conversation":{"id":"c"},"sender":{"id":"s"},"text":"hi"}`)
	url := fmt.Sprintf("%s/hooks/webhook/%d", n.URL, h.ID)
	big := []byte(`{"id":"x2","conversation":{"id":"c"},"sender":{"id":"s"},"text":"` + strings.Repeat("a", 1<<20) + `"}`)
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		reason string
	}{
		{"wrong signature", apptest.SignedRequest(url, "not-the-secret", good, time.Now()), 401, "SB-1001", "bad_signature"},
		{"ten minutes old", apptest.SignedRequest(url, h.Secret, good, time.Now().Add(-10*time.Minute)), 401, "SB-1002", "stale_timestamp"},
		{"malformed json", apptest.SignedRequest(url, h.Secret, []byte(`{"id":`), time.Now()), 400, "SB-1003", "malformed"},
		{"missing sender", apptest.SignedRequest(url, h.Secret, []byte(`{"id":"x3","conversation":{"id":"c"},"text":"hi"}`), time.Now()), 400, "SB-1007", "missing_field"},
		{"over 1 MiB", apptest.SignedRequest(url, h.Secret, big, time.Now()), 413, "SB-1004", "too_large"},
		{"unknown channel", apptest.SignedRequest(n.URL+"/hooks/webhook/999", h.Secret, good, time.Now()), 404, "SB-1005", "unknown_channel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := n.Client.Do(c.req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			decodeBody(t, resp, &body)
			if resp.StatusCode != c.status || body.Error.Code != c.code || body.Error.Message == "" {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, body, c.status, c.code)
			}
			if got := metricValue(t, n, fmt.Sprintf(`switchboard_intake_rejected_total{kind="webhook",reason=%q}`, c.reason)); got < 1 {
				t.Errorf("rejection metric for %s = %v", c.reason, got)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	if got := countMessages(n, n.Token, ""); got != 0 {
		t.Errorf("%d messages stored from refused callbacks", got)
	}
}

func TestAttachmentsAreStoredAndServed(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("App", 1, "")
	m := apptest.NewMessage("a1", "c1", "li", "照片")
	m.Attachments = []map[string]any{{"name": "屏幕.png", "mime": "image/png", "data": "iVBORw0KGgo="}}
	if st, body := n.Post(h, m); st != 200 {
		t.Fatalf("post: %d %s", st, body)
	}
	var p page
	apptest.WaitFor(t, time.Second, "message", func() bool { n.Do("GET", "/api/v1/messages", n.Token, nil, &p); return len(p.Items) == 1 })
	if p.Items[0].Kind != model.KindImage || len(p.Items[0].Attachments) != 1 || p.Items[0].Attachments[0].Size != 8 {
		t.Fatalf("message = %+v", p.Items[0])
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/messages/%d/attachments/0", n.URL, p.Items[0].ID), nil)
	req.Header.Set("Authorization", "Bearer "+n.Token)
	resp, err := n.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 16)
	k, _ := resp.Body.Read(buf)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || string(buf[:k]) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("attachment: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), buf[:k])
	}
}
