package dingtalk

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests speak the wire format of reference §3.3 by hand (field
// names as documented), so the gateway is checked under the race
// detector too; stream_sdk_test.go checks it against the official SDK.

type wire struct {
	t  *testing.T
	f  *fixture
	ws *websocket.Conn
}

// dial opens a connection the documented way: connections/open, then
// endpoint?ticket=….
func (f *fixture) dial(subs ...Subscription) *wire {
	f.t.Helper()
	ep := f.openRaw(subs)
	before := f.sim.StreamConnects()
	ws, _, err := websocket.DefaultDialer.Dial(ep.Endpoint+"?ticket="+ep.Ticket, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { ws.Close() })
	// The handshake answers before the server registers the connection:
	// a push or a disconnect sent in between would not reach this one.
	for deadline := time.Now().Add(3 * time.Second); f.sim.StreamConnects() == before; {
		if time.Now().After(deadline) {
			f.t.Fatal("the simulator never registered the connection")
		}
		time.Sleep(time.Millisecond)
	}
	return &wire{t: f.t, f: f, ws: ws}
}

func (f *fixture) openRaw(subs []Subscription) struct{ Endpoint, Ticket string } {
	f.t.Helper()
	body, _ := json.Marshal(map[string]any{"clientId": "dingsimkey", "clientSecret": "sim-secret", "subscriptions": subs})
	resp, err := http.Post(f.srv.URL+"/v1.0/gateway/connections/open", "application/json", strings.NewReader(string(body)))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var ep struct{ Endpoint, Ticket string }
	if json.NewDecoder(resp.Body).Decode(&ep); resp.StatusCode != 200 || !strings.HasPrefix(ep.Endpoint, "ws://127.0.0.1:") || !strings.HasSuffix(ep.Endpoint, "/connect") {
		f.t.Fatalf("connections/open: %d %+v", resp.StatusCode, ep)
	}
	return ep
}

// next reads one frame as a generic document.
func (w *wire) next() map[string]any {
	w.t.Helper()
	w.ws.SetReadDeadline(time.Now().Add(3 * time.Second))
	var m map[string]any
	if err := w.ws.ReadJSON(&m); err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *wire) ack(frame map[string]any, code int, data string) {
	w.t.Helper()
	id := frame["headers"].(map[string]any)["messageId"]
	if err := w.ws.WriteJSON(map[string]any{"code": code, "headers": map[string]any{"messageId": id, "contentType": "application/json"},
		"message": "OK", "data": data}); err != nil {
		w.t.Fatal(err)
	}
}

func (f *fixture) outcome(id string) FrameRecord {
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, r := range f.sim.StreamFrames() {
			if r.MessageID == id && (r.Outcome != OutcomePushed || time.Now().After(deadline)) {
				return r
			}
		}
		if time.Now().After(deadline) {
			return FrameRecord{}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var botSub = Subscription{Type: "CALLBACK", Topic: TopicBotMessage}

// A bot message frame has the documented envelope, its data is the HTTP
// callback's JSON, and a code-200 ack settles it.
func TestStreamFrameShapeAndAck(t *testing.T) {
	f := newFixture(t, Config{})
	w := f.dial(botSub)
	cb := (&Callbacks{RobotCode: "dingsimkey", Server: f.sim}).Message(Message{ConversationType: "2", Title: "报修群", Text: "报警"})
	id := f.sim.StreamBotMessage(cb)
	fr := w.next()
	h := fr["headers"].(map[string]any)
	if fr["specVersion"] != "1.0" || fr["type"] != "CALLBACK" || h["topic"] != TopicBotMessage || h["messageId"] != id ||
		h["contentType"] != "application/json" || h["time"] == "" {
		t.Fatalf("frame = %v", fr)
	}
	var data Callback
	if err := json.Unmarshal([]byte(fr["data"].(string)), &data); err != nil || data.MsgID != cb.MsgID || data.ConversationTitle != "报修群" || data.SessionWebhook == "" {
		t.Fatalf("data = %+v (%v)", data, err)
	}
	w.ack(fr, 200, `{"response":null}`)
	if r := f.outcome(id); r.Outcome != OutcomeAcked || r.AckData != `{"response":null}` {
		t.Errorf("record = %+v", r)
	}
	var view struct {
		Connections []ConnInfo    `json:"connections"`
		Frames      []FrameRecord `json:"frames"`
	}
	resp, _ := http.Get(f.srv.URL + "/_sim/stream")
	json.NewDecoder(resp.Body).Decode(&view)
	resp.Body.Close()
	if len(view.Connections) != 1 || len(view.Frames) != 1 || view.Frames[0].Outcome != OutcomeAcked {
		t.Errorf("GET /_sim/stream = %+v", view)
	}
}

// An un-acked event is pushed again after the ack timeout, one acked
// LATER after the retry delay, and one acked SUCCESS never again; a
// refused callback is not pushed again (fire-and-forget).
func TestStreamEventRedelivery(t *testing.T) {
	f := newFixture(t, Config{Stream: StreamConfig{AckTimeout: 100 * time.Millisecond, RetryDelay: 20 * time.Millisecond}})
	w := f.dial(Subscription{Type: "EVENT", Topic: "*"}, botSub)
	id := f.sim.StreamEvent("chat_update_title", map[string]string{"chatId": "cid1"})
	first := w.next() // not acked
	if first["type"] != "EVENT" || first["headers"].(map[string]any)["eventType"] != "chat_update_title" {
		t.Fatalf("event frame = %v", first)
	}
	w.ack(w.next(), 200, `{"status":"LATER","message":"busy"}`)
	w.ack(w.next(), 200, `{"status":"SUCCESS","message":"ok"}`)
	if r := f.outcome(id); r.Outcome != OutcomeAcked || r.Attempts != 3 {
		t.Errorf("event record = %+v", r)
	}
	bot := f.sim.StreamBotMessage((&Callbacks{RobotCode: "dingsimkey", Server: f.sim}).Message(Message{Text: "x"}))
	w.ack(w.next(), 500, "")
	time.Sleep(150 * time.Millisecond)
	if r := f.outcome(bot); r.Outcome != OutcomeFailed || r.Attempts != 1 {
		t.Errorf("refused bot message = %+v", r)
	}
}

// A server-initiated disconnect sends the documented SYSTEM frame and
// closes the socket after the grace; no frame goes to a draining socket.
func TestStreamDisconnectFrameThenClose(t *testing.T) {
	f := newFixture(t, Config{Stream: StreamConfig{DisconnectGrace: 100 * time.Millisecond}})
	w := f.dial(botSub)
	start := time.Now()
	f.sim.StreamDisconnect()
	fr := w.next()
	if fr["type"] != "SYSTEM" || fr["headers"].(map[string]any)["topic"] != "disconnect" || !strings.Contains(fr["data"].(string), "reason") {
		t.Fatalf("frame = %v", fr)
	}
	id := f.sim.StreamBotMessage((&Callbacks{RobotCode: "dingsimkey", Server: f.sim}).Message(Message{Text: "after"}))
	w.ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := w.ws.ReadMessage(); err == nil || time.Since(start) < 100*time.Millisecond {
		t.Errorf("read after disconnect: %v after %s", err, time.Since(start))
	}
	if r := f.outcome(id); r.Outcome != OutcomeQueued {
		t.Errorf("frame pushed during the grace: %+v", r)
	}
}

// Tickets: wrong credentials get none; one older than 90 s is refused.
func TestStreamTicketChecks(t *testing.T) {
	f := newFixture(t, Config{})
	if a := f.call("POST", "/v1.0/gateway/connections/open", "", map[string]any{"clientId": "dingsimkey", "clientSecret": "x",
		"subscriptions": []Subscription{botSub}}); a.status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", a.status)
	}
	if a := f.call("POST", "/v1.0/gateway/connections/open", "", map[string]any{"clientId": "dingsimkey", "clientSecret": "sim-secret"}); a.status != http.StatusBadRequest {
		t.Errorf("no subscriptions: %d", a.status)
	}
	ep := f.openRaw([]Subscription{botSub})
	f.now.Add(91 * time.Second)
	_, resp, err := websocket.DefaultDialer.Dial(ep.Endpoint+"?ticket="+ep.Ticket, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired ticket: %v", err)
	}
}
