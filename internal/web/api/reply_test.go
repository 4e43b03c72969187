package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/channel/webhook"
	"switchboard/internal/model"
)

// receiver is an in-house system's endpoint: it fails as scripted, then
// accepts, and checks every request's signature.
type receiver struct {
	mu       sync.Mutex
	secret   string
	script   []int // statuses to answer before accepting
	got      []map[string]any
	attempts int
	badSig   int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if err := webhook.Verify(rv.secret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute); err != nil {
		rv.badSig++
		w.WriteHeader(401)
		return
	}
	rv.attempts++
	if len(rv.script) > 0 {
		st := rv.script[0]
		rv.script = rv.script[1:]
		if st == 429 {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(st)
		return
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	rv.got = append(rv.got, m)
	fmt.Fprintf(w, `{"id":"ext-%d"}`, len(rv.got))
}

func TestReplyIsSignedRetriedAndRecorded(t *testing.T) {
	rv := &receiver{script: []int{503, 429}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, srv.URL)
	rv.mu.Lock()
	rv.secret = h.Secret
	rv.mu.Unlock()
	n.Post(h, apptest.NewMessage("in-1", "ticket-42", "customer", "设备连不上网"))
	var p page
	apptest.WaitFor(t, time.Second, "inbound", func() bool { n.Do("GET", "/api/v1/messages", n.Token, nil, &p); return len(p.Items) == 1 })

	var out struct {
		Message  model.Message
		Delivery model.Delivery
	}
	st := n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", p.Items[0].ConversationID), n.Token, map[string]string{"text": "已受理，工程师处理中"}, &out)
	if st != http.StatusAccepted || out.Message.Direction != model.Outbound {
		t.Fatalf("reply: %d %+v", st, out)
	}
	var ds struct{ Items []model.Delivery }
	apptest.WaitFor(t, 15*time.Second, "delivery sent after 503 and 429", func() bool {
		n.Do("GET", fmt.Sprintf("/api/v1/messages/%d/deliveries", out.Message.ID), n.Token, nil, &ds)
		return len(ds.Items) == 1 && ds.Items[0].State == model.DeliverySent
	})
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.badSig != 0 || rv.attempts != 3 || len(rv.got) != 1 {
		t.Fatalf("receiver: %d bad signatures, %d attempts, %d accepted", rv.badSig, rv.attempts, len(rv.got))
	}
	if rv.got[0]["text"] != "已受理，工程师处理中" || rv.got[0]["conversation"].(map[string]any)["id"] != "ticket-42" {
		t.Errorf("received %v", rv.got[0])
	}
	if d := ds.Items[0]; d.Attempts != 3 || d.ExternalID != "ext-1" {
		t.Errorf("delivery record = %+v", d)
	}
	var conv page
	n.Do("GET", fmt.Sprintf("/api/v1/messages?conversation_id=%d", p.Items[0].ConversationID), n.Token, nil, &conv)
	if len(conv.Items) != 2 {
		t.Errorf("conversation has %d messages, want inbound + reply", len(conv.Items))
	}
}

func TestReplyWithSameIdempotencyKeyIsQueuedOnce(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "http://127.0.0.1:1/unreachable")
	n.Post(h, apptest.NewMessage("in-1", "c", "s", "hello"))
	var p page
	apptest.WaitFor(t, time.Second, "inbound", func() bool { n.Do("GET", "/api/v1/messages", n.Token, nil, &p); return len(p.Items) == 1 })
	path := fmt.Sprintf("/api/v1/conversations/%d/reply", p.Items[0].ConversationID)
	ids := map[int64]bool{}
	for range 2 {
		req, _ := http.NewRequest("POST", n.URL+path, jsonReader(`{"text":"once"}`))
		req.Header.Set("Authorization", "Bearer "+n.Token)
		req.Header.Set("Idempotency-Key", "client-key-1")
		resp, err := n.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Delivery model.Delivery }
		decodeBody(t, resp, &out)
		ids[out.Delivery.ID] = true
	}
	var conv page
	n.Do("GET", fmt.Sprintf("/api/v1/messages?conversation_id=%d", p.Items[0].ConversationID), n.Token, nil, &conv)
	if len(ids) != 1 || len(conv.Items) != 2 {
		t.Errorf("deliveries %v, conversation messages %d; want one reply", ids, len(conv.Items))
	}
}
