package feishu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/simulator"
)

// rawClient bootstraps and dials like a client would, by hand.
func rawClient(t *testing.T, f *fixture) *websocket.Conn {
	t.Helper()
	a := f.call("POST", PathEndpoint, "", map[string]string{"AppID": "cli_sim", "AppSecret": "secret-1"})
	var data struct {
		URL          string
		ClientConfig ClientConfig
	}
	if err := json.Unmarshal(a.Data, &data); err != nil || a.Code != 0 || !strings.HasPrefix(data.URL, "ws://") || data.ClientConfig.PingInterval != 120 {
		t.Fatalf("bootstrap: %+v %s", a, a.Data)
	}
	ws, _, err := websocket.DefaultDialer.Dial(data.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func readFrame(t *testing.T, ws *websocket.Conn) Frame {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	f, err := UnmarshalFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The whole exchange over HTTP and a plain websocket, as a user's own
// client would see it: bootstrap, an event waiting for the first client,
// ping/pong, the ack, the inspection endpoints, and a scripted
// server-initiated close.
func TestLongConnectionOverTheWire(t *testing.T) {
	f := newFixture(t, Config{LongConn: LongConnConfig{AckTimeout: time.Minute}})
	t.Cleanup(f.sim.Close)
	if a := f.call("POST", PathEndpoint, "", map[string]string{"AppID": "cli_sim", "AppSecret": "nope"}); a.status != http.StatusOK || a.Code != CodeWSAuthFailed {
		t.Errorf("wrong secret: %d code %d", a.status, a.Code)
	}
	resp, _ := http.Post(f.srv.URL+"/_sim/ws/push", "application/json", strings.NewReader(`{"chat_id":"oc_1","text":"早上好"}`))
	resp.Body.Close()
	ws := rawClient(t, f)
	ev := readFrame(t, ws)
	if ev.Method != MethodData || ev.Header("type") != TypeEvent || ev.HeaderInt("sum") != 1 || !strings.Contains(string(ev.Payload), "早上好") {
		t.Fatalf("pushed frame %+v", ev)
	}
	ping := Frame{Method: MethodControl, Service: ev.Service, Headers: []FrameHeader{{"type", "ping"}}}
	ws.WriteMessage(websocket.BinaryMessage, ping.Marshal())
	if pong := readFrame(t, ws); pong.Header("type") != "pong" || !strings.Contains(string(pong.Payload), "PingInterval") {
		t.Errorf("pong %+v", pong)
	}
	ev.Headers = append(ev.Headers, FrameHeader{"biz_rt", "3"})
	ev.Payload = []byte(`{"code":200,"headers":{},"data":null}`)
	ws.WriteMessage(websocket.BinaryMessage, ev.Marshal())
	var seen struct {
		Connections []Conn
		Pushes      []Pushed
	}
	waitFor(t, "the ack", func() bool {
		r, err := http.Get(f.srv.URL + "/_sim/ws")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		json.NewDecoder(r.Body).Decode(&seen)
		return len(seen.Pushes) == 1 && seen.Pushes[0].Acked
	})
	if p := seen.Pushes[0]; p.BizRT != "3" || p.Pushes != 1 || len(seen.Connections) != 1 || seen.Connections[0].Pings != 1 {
		t.Errorf("inspected %+v", seen)
	}
	f.sim.ConnFaults.Add(1, simulator.Fault{Status: http.StatusServiceUnavailable})
	f.sim.PushEvent(f.sim.Events().MessageReceived(Message{Text: "不会到达"}))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("scripted disconnect: %v, want close 1001", err)
	}
}
