package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	simdingtalk "switchboard/internal/simulator/dingtalk"
	simfeishu "switchboard/internal/simulator/feishu"
)

// simOpts are the flags of `simulate`.
type simOpts struct {
	addrFeishu, addrDingTalk  string
	appID, appKey, appSecret  string
	verificationToken, encKey string
	send, kind, text          string
	count                     int
	rate                      float64
}

const simulateUsage = `Usage: switchboard simulate [flags]

Runs fake Feishu and DingTalk open platforms on loopback, to rehearse an
integration without a real tenant. It prints each simulator's base URL and
the channel settings to create in Switchboard (POST /api/v1/channels), then
prints every message Switchboard sends to them as it arrives, until
interrupted.

With --send it also posts correctly signed (and, for Feishu, encrypted)
message callbacks to a channel's callback URL, as the platform would:
  switchboard simulate --send http://127.0.0.1:8080/hooks/feishu/2 --text "设备报警" --count 10 --rate 5
With --send stream it pushes the messages over DingTalk Stream mode instead,
to the Switchboard node connected to the simulator (channel setting
"mode": "stream"), and prints each ack.

With --send long-connection it pushes the messages over the long
connection instead, to a Feishu channel in mode long_connection that has
connected to the simulator (no inbound HTTP), and prints each ack:
  switchboard simulate --send long-connection --text "设备报警" --count 10

Flags:
`

func parseSimulate(env Env, args []string) (simOpts, error) {
	var o simOpts
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, simulateUsage); fs.PrintDefaults() }
	fs.StringVar(&o.addrFeishu, "addr-feishu", "127.0.0.1:18601", "listen address of the Feishu simulator")
	fs.StringVar(&o.addrDingTalk, "addr-dingtalk", "127.0.0.1:18602", "listen address of the DingTalk simulator")
	fs.StringVar(&o.appID, "app-id", "cli_simulator", "Feishu app's App ID")
	fs.StringVar(&o.appKey, "app-key", "dingsimulator", "DingTalk app's AppKey (also its robot code)")
	fs.StringVar(&o.appSecret, "app-secret", "simulator-app-secret", "both apps' App Secret; DingTalk callbacks are signed with it")
	fs.StringVar(&o.verificationToken, "verification-token", "simulator-verification-token", "Feishu Verification Token")
	fs.StringVar(&o.encKey, "encrypt-key", "simulator-encrypt-key", "Feishu Encrypt Key (empty: plaintext, unsigned callbacks)")
	fs.StringVar(&o.send, "send", "", "a channel's callback URL to post message callbacks to, or \"stream\" (DingTalk Stream mode)")
	fs.StringVar(&o.kind, "channel-kind", "", "feishu or dingtalk (default: read from the --send URL's /hooks/KIND/ path)")
	fs.StringVar(&o.text, "text", "你好，这是一条演练消息 (a rehearsal message)", "text of the messages sent")
	fs.IntVar(&o.count, "count", 1, "messages to send")
	fs.Float64Var(&o.rate, "rate", 5, "messages per second")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.send == "" {
		return o, nil
	}
	if o.kind == "" {
		o.kind = kindFromURL(o.send)
	}
	if o.send == sendLongConn && o.kind == "" {
		o.kind = "feishu"
	}
	if o.send == sendStream && o.kind == "" {
		o.kind = "dingtalk"
	}
	if o.send == sendStream && o.kind != "dingtalk" {
		return o, errors.New("--send stream: only DingTalk's Stream mode is simulated")
	}
	switch {
	case o.send == sendLongConn && o.kind != "feishu":
		return o, fmt.Errorf("--send %s: only Feishu is simulated over a long connection", sendLongConn)
	case o.kind != "feishu" && o.kind != "dingtalk":
		return o, fmt.Errorf("--channel-kind %q: want feishu or dingtalk", o.kind)
	case o.count < 1 || o.rate <= 0:
		return o, errors.New("want --count ≥ 1 and --rate > 0")
	}
	return o, nil
}

// kindFromURL reads KIND from a callback URL …/hooks/KIND/ID.
func kindFromURL(u string) string {
	_, rest, ok := strings.Cut(u, "/hooks/")
	if !ok {
		return ""
	}
	kind, _, _ := strings.Cut(rest, "/")
	return kind
}

func simulate(ctx context.Context, env Env, args []string) error {
	o, err := parseSimulate(env, args)
	if err != nil {
		return err
	}
	out := &lockedWriter{w: env.Stdout}
	fs := simfeishu.NewServer(simfeishu.Config{AppID: o.appID, AppSecret: o.appSecret,
		LongConn: simfeishu.LongConnConfig{Client: &rehearsalClient}})
	defer fs.Close()
	dt := simdingtalk.NewServer(simdingtalk.Config{AppKey: o.appKey, AppSecret: o.appSecret})
	feishuURL, stopFeishu, err := serveSim(o.addrFeishu, watched(fs, printNew(out, fs.SentSince, feishuLine)))
	if err != nil {
		return fmt.Errorf("feishu simulator: %w", err)
	}
	defer stopFeishu()
	dingURL, stopDing, err := serveSim(o.addrDingTalk, watched(dt, printNew(out, dt.SentSince, dingtalkLine)))
	if err != nil {
		return fmt.Errorf("dingtalk simulator: %w", err)
	}
	defer stopDing()
	dt.SetURL(dingURL) // session webhooks in callbacks point back here
	printSetup(out, o, feishuURL, dingURL)
	if o.send != "" {
		if err := sendCallbacks(ctx, out, o, poster(o, fs, dt)); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "Waiting for messages from Switchboard; Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// serveSim serves h on addr and returns its base URL and a stop function.
func serveSim(addr string, h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// channelSettings are what to paste into a Switchboard channel of kind to
// make it talk to the simulator at baseURL.
func channelSettings(o simOpts, kind, baseURL string) map[string]string {
	if kind == "feishu" {
		s := map[string]string{"app_id": o.appID, "app_secret": o.appSecret, "verification_token": o.verificationToken, "base_url": baseURL}
		if o.encKey != "" {
			s["encrypt_key"] = o.encKey
		}
		return s
	}
	return map[string]string{"app_key": o.appKey, "app_secret": o.appSecret, "base_url": baseURL, "oapi_base_url": baseURL}
}

// rehearsalClient is the ClientConfig the rehearsal hands out: Feishu's
// own waits (2 min between reconnects, 30 s jitter) shortened so that a
// reconnect shows within seconds.
var rehearsalClient = simfeishu.ClientConfig{ReconnectCount: -1, ReconnectInterval: 5, ReconnectNonce: 1, PingInterval: 30}

func printSetup(w io.Writer, o simOpts, feishuURL, dingURL string) {
	defer func() {
		s := channelSettings(o, "feishu", feishuURL)
		lc := map[string]string{"app_id": s["app_id"], "app_secret": s["app_secret"], "base_url": feishuURL, "mode": "long_connection"}
		body, _ := json.Marshal(map[string]any{"kind": "feishu", "name": "Feishu long connection (simulator)", "org_unit_id": 1, "settings": lc})
		fmt.Fprintf(w, "Feishu long connection: the channel dials %s%s (inspect: %s/_sim/ws); create it with:\n  %s\n",
			feishuURL, simfeishu.PathEndpoint, feishuURL, body)
	}()
	for _, p := range []struct{ kind, title, url string }{{"feishu", "Feishu", feishuURL}, {"dingtalk", "DingTalk", dingURL}} {
		body, _ := json.Marshal(map[string]any{"kind": p.kind, "name": p.title + " (simulator)", "org_unit_id": 1,
			"settings": channelSettings(o, p.kind, p.url)})
		fmt.Fprintf(w, "%s simulator: %s (inspect: %s/_sim/sent)\n  create the channel with POST /api/v1/channels (admin token):\n  %s\n",
			p.title, p.url, p.url, body)
	}
	fmt.Fprintf(w, "  DingTalk Stream mode: add \"mode\":\"stream\" to the settings (no callback URL needed), then --send stream; connections and frames: %s/_sim/stream\n", dingURL)
}

// lockedWriter serialises lines written by the simulators' handlers and
// the sender.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
