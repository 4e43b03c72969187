package dingtalk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/card"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/event"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/utils"

	"switchboard/internal/channel"
)

// Stream mode (reference §3.3) through the official SDK, but not through
// its StreamClient.Start loop. v0.9.1's loop (1) reconnects forever with
// context.Background(), also after Close, so a stopped channel would go
// on receiving and acking into a stopped node; (2) writes acks from
// concurrent goroutines with no lock, which gorilla/websocket forbids (a
// "concurrent write" panic, recovered inside the SDK, drops that ack);
// (3) races on its connection field; (4) retries every 3 s without
// backoff. So the SDK does what it does well — connections/open
// (GetConnectionEndpoint), the frame types, routing by type and topic
// (GetHandler), the ping answer and the card and event handlers — and
// this file owns the socket: one writer, context-bound, backoff with
// jitter, and a graceful hand-over on a server-initiated disconnect.
const (
	streamRetryMin = 500 * time.Millisecond // first retry after a drop
	streamRetryMax = time.Minute
	// maxPendingFrames bounds frames in handling; more are not read, so
	// the platform holds them (as the SDK's WithMaxPendingHandlers does).
	maxPendingFrames = 100
	// keepAlive: a websocket ping this often; no frame or pong for two
	// periods means the connection is dead (a half-open TCP connection
	// otherwise goes unnoticed).
	keepAlive      = 30 * time.Second
	handlerTimeout = 30 * time.Second
)

// stream is a channel's Stream-mode connection.
type stream struct {
	c      *conn
	cli    *client.StreamClient
	dialer *websocket.Dialer
}

// Start opens the Stream connection of a channel in stream mode and keeps
// it open until ctx ends; callback channels have nothing to open.
func (c *conn) Start(ctx context.Context, sink channel.Sink) error {
	if c.cfg.Mode != "stream" || !c.row.Enabled {
		return nil
	}
	if sink != nil {
		c.env.Sink = sink
	}
	cli := client.NewStreamClient(client.WithAppCredential(client.NewAppCredentialConfig(c.cfg.AppKey, c.cfg.AppSecret)),
		client.WithOpenApiHost(c.cfg.BaseURL), client.WithAutoReconnect(false))
	cli.RegisterCallbackRouter(payload.BotMessageCallbackTopic, c.onBotFrame)
	cards := card.NewDefaultPluginFrameHandler(c.onCardAction)
	cli.RegisterCallbackRouter(payload.CardInstanceCallbackTopic, func(ctx context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
		return cards.OnEventReceived(context.WithValue(ctx, frameIDKey{}, df.GetMessageId()), df)
	})
	cli.RegisterAllEventRouter(event.NewDefaultEventFrameHandler(c.onEvent).OnEventReceived)
	s := &stream{c: c, cli: cli, dialer: &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 10 * time.Second}}
	go s.run(ctx)
	return nil
}

// run keeps a connection open until ctx ends. A server-initiated
// disconnect reconnects at once; a failure waits a growing, jittered time.
func (s *stream) run(ctx context.Context) {
	for failures := 0; ; {
		connected, err := s.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			failures = 0
		}
		if err == nil {
			continue
		}
		s.c.noteSendErr(err)
		failures++
		t := time.NewTimer(retryWait(failures))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// retryWait is streamRetryMin doubled per failure up to streamRetryMax,
// ±25 %, so that many nodes cut off together do not return together.
func retryWait(failures int) time.Duration {
	d := streamRetryMin << min(failures-1, 10)
	d = min(d, streamRetryMax)
	return d*3/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// session is one connection: a fresh ticket, the socket, its frames until
// it ends. It reports whether it got connected, and nil when the server
// asked to reconnect.
func (s *stream) session(ctx context.Context) (bool, error) {
	ep, err := s.cli.GetConnectionEndpoint(ctx)
	if err != nil {
		return false, fmt.Errorf("dingtalk stream: connections/open: %w", err)
	}
	ws, _, err := s.dialer.DialContext(ctx, ep.Endpoint+"?ticket="+url.QueryEscape(ep.Ticket), nil)
	if err != nil {
		return false, fmt.Errorf("dingtalk stream: dial %s: %w", ep.Endpoint, err)
	}
	s.c.noteOK(false)
	sock := &socket{ws: ws}
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(2 * keepAlive)) })
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go sock.keepAlive(done)
	err = s.read(ctx, sock)
	return true, err
}

// read dispatches frames until the socket fails (an error) or the server
// sends disconnect (nil): then the frames in hand are still acked on this
// socket, which the server keeps open for 10 s, while run opens the next.
func (s *stream) read(ctx context.Context, sock *socket) error {
	var inflight sync.WaitGroup
	pending := make(chan struct{}, maxPendingFrames)
	for {
		sock.ws.SetReadDeadline(time.Now().Add(2 * keepAlive))
		_, raw, err := sock.ws.ReadMessage()
		if err != nil {
			sock.ws.Close()
			return fmt.Errorf("dingtalk stream: connection lost: %w", err)
		}
		df, err := payload.DecodeDataFrame(raw)
		if err != nil || df.Headers == nil {
			continue
		}
		if df.Type == utils.SubscriptionTypeKSystem && df.GetTopic() == "disconnect" {
			go func() { inflight.Wait(); sock.ws.Close() }()
			return nil
		}
		pending <- struct{}{}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer func() { <-pending }()
			sock.ack(s.handle(ctx, df))
		}()
	}
}

// handle runs a frame's SDK handler and returns its ack. Handlers commit
// before they return, and get a context that outlives a shutdown by a
// little, so a commit under way completes.
func (s *stream) handle(ctx context.Context, df *payload.DataFrame) *payload.DataFrameResponse {
	var resp *payload.DataFrameResponse
	h, err := s.cli.GetHandler(df.Type, df.GetTopic())
	if err != nil {
		resp = payload.NewDataFrameResponse(payload.DataFrameResponseStatusCodeKHandlerNotFound)
	} else {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handlerTimeout)
		resp, err = h(hctx, df)
		cancel()
		if err != nil && resp == nil {
			resp = payload.NewErrorDataFrameResponse(err)
		}
	}
	if resp == nil {
		resp = payload.NewSuccessDataFrameResponse()
	}
	if resp.Headers == nil {
		resp.Headers = payload.DataFrameHeader{}
	}
	if resp.GetHeader(payload.DataFrameHeaderKMessageId) == "" {
		resp.SetHeader(payload.DataFrameHeaderKMessageId, df.GetMessageId())
	}
	if resp.GetHeader(payload.DataFrameHeaderKContentType) == "" {
		resp.SetHeader(payload.DataFrameHeaderKContentType, payload.DataFrameContentTypeKJson)
	}
	return resp
}

// socket is a connection with its single writer.
type socket struct {
	ws *websocket.Conn
	mu sync.Mutex
}

// ack writes a frame's answer. An ack that cannot be written is not
// retried: the platform re-pushes what it did not get acked, and intake
// drops the duplicate.
func (s *socket) ack(resp *payload.DataFrameResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	s.ws.WriteJSON(resp)
}

// keepAlive pings until done; each pong, like each frame, extends the
// read deadline (session's pong handler).
func (s *socket) keepAlive(done <-chan struct{}) {
	t := time.NewTicker(keepAlive)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)) != nil {
				return
			}
		}
	}
}
