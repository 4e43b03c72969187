package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// syncBuffer is a bytes.Buffer the command and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr reserves a loopback port for a simulator: the channel must
// point at it before `simulate` starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A user rehearses an integration: creates the channel with the settings
// `simulate` prints, lets it post signed callbacks, sees the messages in
// Switchboard, and sees the reply arrive at the simulator.
func TestSimulateRehearsesAnIntegration(t *testing.T) {
	for _, kind := range []string{"feishu", "dingtalk"} {
		t.Run(kind, func(t *testing.T) {
			n := apptest.Start(t)
			addr := freeAddr(t)
			defaults, err := parseSimulate(Env{Stderr: &bytes.Buffer{}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ch struct {
				ID          int64  `json:"id"`
				CallbackURL string `json:"callback_url"`
			}
			body := map[string]any{"kind": kind, "name": "rehearsal", "org_unit_id": 1, "settings": channelSettings(defaults, kind, "http://"+addr)}
			if st := n.Do("POST", "/api/v1/channels", n.Token, body, &ch); st != http.StatusCreated {
				t.Fatalf("create channel: %d", st)
			}
			args := []string{"simulate", "--addr-" + kind, addr, "--addr-" + other(kind), "127.0.0.1:0",
				"--send", fmt.Sprintf("%s/hooks/%s/%d", n.URL, kind, ch.ID), "--text", "演练消息", "--count", "2", "--rate", "50"}
			out := runInBackground(t, args)
			msgs := waitMessages(t, n, 2)
			if msgs[0].ChannelKind != kind || !strings.HasPrefix(msgs[0].Text, "演练消息 #") {
				t.Errorf("stored %+v", msgs[0])
			}
			if st := n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", msgs[0].ConversationID), n.Token,
				map[string]string{"text": "已收到演练"}, nil); st != http.StatusAccepted {
				t.Fatalf("reply: %d", st)
			}
			apptest.WaitFor(t, 15*time.Second, "the reply printed by simulate", func() bool {
				return strings.Contains(out.String(), kind+" ← ") && strings.Contains(out.String(), "已收到演练")
			})
			if s := out.String(); !strings.Contains(s, "Sent 2 callbacks, 2 accepted.") || !strings.Contains(s, `"app_secret":"simulator-app-secret"`) {
				t.Errorf("output:\n%s", s)
			}
		})
	}
}

func other(kind string) string {
	if kind == "feishu" {
		return "dingtalk"
	}
	return "feishu"
}

// runInBackground runs the command until the test ends, then checks it
// stopped cleanly on cancellation.
func runInBackground(t *testing.T, args []string) *syncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, args, &out, &errOut, func(string) string { return "" }) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("simulate exited %d: %s\n%s", code, errOut.String(), out.String())
		}
	})
	return &out
}

func waitMessages(t *testing.T, n *apptest.Node, want int) []model.Message {
	t.Helper()
	var p struct{ Items []model.Message }
	apptest.WaitFor(t, 10*time.Second, "the simulated messages stored", func() bool {
		n.Do("GET", "/api/v1/messages", n.Token, nil, &p)
		return len(p.Items) == want
	})
	return p.Items
}

// A user rehearses long-connection mode: simulate runs the fake Feishu,
// the channel (mode long_connection) dials it, and the messages pushed
// over the socket are stored and acked — no callback URL involved.
func TestSimulateRehearsesLongConnection(t *testing.T) {
	n := apptest.Start(t)
	addr := freeAddr(t)
	out := runInBackground(t, []string{"simulate", "--addr-feishu", addr, "--addr-dingtalk", "127.0.0.1:0",
		"--send", "long-connection", "--text", "长连接演练", "--count", "2", "--rate", "50"})
	apptest.WaitFor(t, 5*time.Second, "the simulator listening", func() bool { return strings.Contains(out.String(), "_sim/ws") })
	body := map[string]any{"kind": "feishu", "name": "rehearsal", "org_unit_id": 1, "settings": map[string]string{
		"app_id": "cli_simulator", "app_secret": "simulator-app-secret", "base_url": "http://" + addr, "mode": "long_connection"}}
	if st := n.Do("POST", "/api/v1/channels", n.Token, body, nil); st != http.StatusCreated {
		t.Fatalf("create channel: %d", st)
	}
	msgs := waitMessages(t, n, 2)
	if !strings.HasPrefix(msgs[0].Text, "长连接演练 #") || msgs[0].ChannelKind != "feishu" {
		t.Errorf("stored %+v", msgs[0])
	}
	apptest.WaitFor(t, 5*time.Second, "the acks printed", func() bool { return strings.Contains(out.String(), "Sent 2 callbacks, 2 accepted.") })
	if s := out.String(); !strings.Contains(s, "callback 1/2: 200 acked after 1 push(es)") || !strings.Contains(s, `"mode":"long_connection"`) {
		t.Errorf("output:\n%s", s)
	}
}

// A user rehearses DingTalk Stream mode: the channel connects out to the
// simulator, which pushes the messages over the connection (no callback
// URL involved) and prints each ack; the reply comes back as before.
func TestSimulateRehearsesStreamMode(t *testing.T) {
	n := apptest.Start(t)
	addr := freeAddr(t)
	defaults, err := parseSimulate(Env{Stderr: &bytes.Buffer{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	settings := channelSettings(defaults, "dingtalk", "http://"+addr)
	settings["mode"] = "stream"
	if st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "dingtalk", "name": "stream rehearsal",
		"org_unit_id": 1, "settings": settings}, nil); st != http.StatusCreated {
		t.Fatalf("create channel: %d", st)
	}
	out := runInBackground(t, []string{"simulate", "--addr-dingtalk", addr, "--addr-feishu", "127.0.0.1:0",
		"--send", "stream", "--text", "长连接演练", "--count", "2", "--rate", "50"})
	msgs := waitMessages(t, n, 2)
	if msgs[0].ChannelKind != "dingtalk" || !strings.HasPrefix(msgs[0].Text, "长连接演练 #") {
		t.Errorf("stored %+v", msgs[0])
	}
	if st := n.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/reply", msgs[0].ConversationID), n.Token,
		map[string]string{"text": "已收到长连接演练"}, nil); st != http.StatusAccepted {
		t.Fatalf("reply: %d", st)
	}
	apptest.WaitFor(t, 15*time.Second, "the reply printed by simulate", func() bool {
		return strings.Contains(out.String(), "dingtalk ← session") && strings.Contains(out.String(), "已收到长连接演练")
	})
	if s := out.String(); !strings.Contains(s, `callback 2/2: 200 acked {"response":null}`) || !strings.Contains(s, "Sent 2 callbacks, 2 accepted.") {
		t.Errorf("output:\n%s", s)
	}
}

func TestSimulateStreamIsDingTalkOnly(t *testing.T) {
	if _, err := parseSimulate(Env{Stderr: &bytes.Buffer{}}, []string{"--send", "stream", "--channel-kind", "feishu"}); err == nil {
		t.Error("--send stream for feishu accepted")
	}
}
