package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	simdingtalk "switchboard/internal/simulator/dingtalk"
	simfeishu "switchboard/internal/simulator/feishu"
)

// postFunc posts the callback of one new message with text and returns
// the status and body Switchboard answered.
type postFunc func(ctx context.Context, text string) (int, string, error)

// poster builds the callback generator of o.kind from the simulator
// packages, wired to the running fake so that replies resolve to the
// chat the message came from.
func poster(o simOpts, fs *simfeishu.Server, dt *simdingtalk.Server) postFunc {
	if o.send == sendLongConn {
		return longConnPoster(fs)
	}
	if o.kind == "feishu" {
		cb := &simfeishu.Callbacks{URL: o.send, AppID: o.appID, VerificationToken: o.verificationToken, EncryptKey: o.encKey, Server: fs}
		return func(ctx context.Context, text string) (int, string, error) {
			a, err := cb.Post(ctx, cb.MessageReceived(simfeishu.Message{ChatID: "oc_simulator", ChatType: "group", Text: text}))
			return a.Status, a.Body, err
		}
	}
	if o.send == sendStream {
		return streamPoster(o, dt)
	}
	cb := &simdingtalk.Callbacks{URL: o.send, AppSecret: o.appSecret, RobotCode: o.appKey, Server: dt}
	return func(ctx context.Context, text string) (int, string, error) {
		a, err := cb.Post(ctx, cb.Message(rehearsalMessage(text)))
		return a.Status, a.Body, err
	}
}

// sendLongConn as --send pushes over the Feishu long connection.
const sendLongConn = "long-connection"

// longConnPoster pushes each message over the long connection once a
// channel has connected, and answers with the ack: code 200 once
// Switchboard committed it.
func longConnPoster(fs *simfeishu.Server) postFunc {
	return func(ctx context.Context, text string) (int, string, error) {
		if err := waitUntil(ctx, 2*time.Minute, func() bool { return len(fs.Connections()) > 0 }); err != nil {
			return 0, "", fmt.Errorf("no Feishu channel in long_connection mode connected: %w", err)
		}
		id := fs.PushEvent(fs.Events().MessageReceived(simfeishu.Message{ChatID: "oc_simulator", ChatType: "group", Text: text}))
		var p simfeishu.Pushed
		err := waitUntil(ctx, 30*time.Second, func() bool {
			for _, p = range fs.Pushes() {
				if p.MessageID == id {
					return p.Acked
				}
			}
			return false
		})
		if err != nil {
			return http.StatusGatewayTimeout, fmt.Sprintf("not acked after %d push(es), last code %d", p.Pushes, p.Code), nil
		}
		return p.Code, fmt.Sprintf("acked after %d push(es), biz_rt %s ms", p.Pushes, p.BizRT), nil
	}
}

func waitUntil(ctx context.Context, d time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// rehearsalMessage is the DingTalk group message a rehearsal sends.
func rehearsalMessage(text string) simdingtalk.Message {
	return simdingtalk.Message{ConversationType: "2", ConversationID: "cidSimulator==",
		Title: "Switchboard 演练群", SenderStaffID: "simuser", SenderNick: "演练用户", Text: text}
}

// sendCallbacks posts o.count messages at o.rate and prints each answer.
// A refused callback (wrong secret: 401) is printed, not fatal: seeing it
// is the point of a rehearsal. An unreachable Switchboard is fatal.
func sendCallbacks(ctx context.Context, w io.Writer, o simOpts, post postFunc) error {
	every := time.Duration(float64(time.Second) / o.rate)
	tick := time.NewTicker(every)
	defer tick.Stop()
	accepted := 0
	for i := 1; i <= o.count; i++ {
		text := o.text
		if o.count > 1 {
			text = fmt.Sprintf("%s #%d", o.text, i)
		}
		status, body, err := post(ctx, text)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted: not a failure
			}
			return fmt.Errorf("callback %d to %s: %w", i, o.send, err)
		}
		if status/100 == 2 {
			accepted++
		}
		fmt.Fprintf(w, "%s → %s callback %d/%d: %d %s\n", o.kind, o.send, i, o.count, status, strings.TrimSpace(body))
		if i < o.count {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
	}
	fmt.Fprintf(w, "Sent %d callbacks, %d accepted.\n", o.count, accepted)
	return nil
}

// watched serves h, then lets after print what the request delivered.
func watched(h http.Handler, after func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		after()
	})
}

// printNew returns a func that prints each delivery since its last call
// once, however many requests finish concurrently.
func printNew[T any](w io.Writer, since func(int) []T, line func(T) string) func() {
	var mu sync.Mutex
	printed := 0
	return func() {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range since(printed) {
			fmt.Fprintln(w, line(s))
			printed++
		}
	}
}

func feishuLine(s simfeishu.Sent) string {
	text := s.Content
	var c struct {
		Text string `json:"text"`
	}
	if json.Unmarshal([]byte(s.Content), &c) == nil && c.Text != "" {
		text = c.Text
	}
	return fmt.Sprintf("feishu ← %s to %s (%s): %s", s.Op, s.ChatID, s.MsgType, text)
}

func dingtalkLine(s simdingtalk.Sent) string {
	to := s.ConversationID
	if to == "" {
		to = "users " + strings.Join(s.UserIDs, ",")
	}
	return fmt.Sprintf("dingtalk ← %s to %s: %s", s.Op, to, s.Text)
}
