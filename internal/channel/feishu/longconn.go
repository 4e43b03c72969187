package feishu

// Long-connection mode ("使用长连接接收事件", reference §4.3): the app
// dials out to Feishu, so a node without a public address still receives
// events. The frame protocol is the official SDK's (larkws: pbbp2 frames,
// bootstrap, ClientConfig), and its generated protobuf code and types are
// used here; its ws.Client is not, because in v3.9.4 it
//   - cannot be stopped: Start ends in `select {}` and ignores its
//     context, and its ping loop runs forever, so every channel restart
//     (a settings change) would leak a client that keeps pinging;
//   - races: conn, pingInterval and autoReconnect are read and written
//     from several goroutines without the lock (the race detector stops
//     `make test` at the first reconnect or config-carrying pong), and
//     the fragments of a split payload are combined by one goroutine per
//     frame into a shared slice, unlocked, which can also lose a part;
//   - drops frames of type "card" without acking them, so card callbacks
//     over the long connection would be re-pushed and never answered.
// Pushed events go through the same code as HTTP callbacks (not the SDK's
// dispatcher), so both transports dedupe, refuse and answer alike. The
// SDK's ws client and dispatcher are still run against the simulator in
// internal/simulator/feishu/sdk_test.go, which keeps the fake honest.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"switchboard/internal/channel"
)

// Modes of a Feishu channel.
const (
	ModeCallback       = "callback"
	ModeLongConnection = "long_connection"
)

// maxInFlight bounds the events of one connection being committed at once.
const maxInFlight = 64

// errConnLimit: Feishu refused the socket because the app already has its
// 50 connections (Handshake-Autherrcode 1000040350).
var errConnLimit = errors.New("feishu: the app has reached its long-connection limit (50)")

// defaultClientConfig is used until Feishu sends one (SDK defaults).
var defaultClientConfig = larkws.ClientConfig{ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30, PingInterval: 120}

// Start opens the long connection in long_connection mode and keeps it
// open, reconnecting, until ctx ends. Callback mode has nothing to open.
func (c *conn) Start(ctx context.Context, _ channel.Sink) error {
	if c.cfg.Mode != ModeLongConnection || !c.row.Enabled {
		return nil
	}
	go c.runLongConn(ctx)
	return nil
}

// runLongConn connects, serves the connection until it ends, and
// reconnects as Feishu's ClientConfig says: after a random wait of up to
// ReconnectNonce seconds, then every ReconnectInterval. Unlike the SDK it
// never gives up after ReconnectCount tries: a server node has nobody to
// restart it, so it keeps trying and shows the channel down meanwhile.
func (c *conn) runLongConn(ctx context.Context) {
	cc := defaultClientConfig
	for failures := 0; ctx.Err() == nil; {
		wsURL, got, err := c.bootstrap(ctx)
		if got != nil {
			cc = *got
		}
		connected := false
		if err == nil {
			connected, err = c.session(ctx, wsURL, &cc)
		}
		if ctx.Err() != nil {
			return
		}
		c.noteSendErr(fmt.Errorf("feishu long connection: %w", err))
		if connected {
			failures = 0
		}
		wait := time.Duration(cc.ReconnectInterval) * time.Second
		if failures == 0 {
			wait = jitter(cc.ReconnectNonce)
		}
		failures++
		if !sleep(ctx, wait) {
			return
		}
	}
}

func jitter(nonceSeconds int) time.Duration {
	if nonceSeconds <= 0 {
		return 0
	}
	return rand.N(time.Duration(nonceSeconds) * time.Second)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// bootstrap asks Feishu for a socket URL with the app's credentials.
func (c *conn) bootstrap(ctx context.Context) (string, *larkws.ClientConfig, error) {
	body, _ := json.Marshal(larkws.BootstrapRequest{AppID: c.cfg.AppID, AppSecret: c.cfg.AppSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+larkws.GenEndpointUri, bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("locale", "zh")
	resp, err := c.env.Client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("bootstrap: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var ep larkws.EndpointResp
	if err := json.Unmarshal(raw, &ep); err != nil {
		return "", nil, fmt.Errorf("bootstrap: HTTP %d: %.200s", resp.StatusCode, raw)
	}
	switch {
	case ep.Code == larkws.AuthFailed || ep.Code == larkws.Forbidden:
		return "", nil, fmt.Errorf("bootstrap: code %d %s: %w", ep.Code, ep.Msg, errCredentials)
	case resp.StatusCode != http.StatusOK || ep.Code != larkws.OK:
		return "", nil, fmt.Errorf("bootstrap: HTTP %d code %d: %s", resp.StatusCode, ep.Code, ep.Msg)
	case ep.Data == nil || ep.Data.Url == "":
		return "", nil, errors.New("bootstrap: no URL in the answer")
	}
	return ep.Data.Url, ep.Data.ClientConfig, nil
}

// socket is one open connection: the websocket, its write lock (pings,
// acks and the closing goroutine share it) and the ClientConfig pongs
// may change.
type socket struct {
	ws      *websocket.Conn
	service int32
	wmu     sync.Mutex
	cmu     sync.Mutex
	cc      larkws.ClientConfig
}

func (s *socket) write(f *larkws.Frame) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return s.ws.WriteMessage(websocket.BinaryMessage, b)
}

func (s *socket) config() larkws.ClientConfig {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.cc
}

// session dials url and serves the connection until it breaks or ctx
// ends. connected reports whether the socket was open at all.
func (c *conn) session(ctx context.Context, wsURL string, cc *larkws.ClientConfig) (connected bool, err error) {
	s, err := c.dial(ctx, wsURL, *cc)
	if err != nil {
		return false, err
	}
	c.noteOK(false)
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); <-sctx.Done(); s.ws.Close() }()
	go func() { defer wg.Done(); pingLoop(sctx, s) }()
	err = c.readLoop(sctx, s)
	cancel()
	wg.Wait()
	*cc = s.config()
	return true, err
}

func (c *conn) dial(ctx context.Context, wsURL string, cc larkws.ClientConfig) (*socket, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	ws, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			return nil, handshakeErr(resp)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	return &socket{ws: ws, service: serviceID(wsURL), cc: cc}, nil
}

// serviceID is the service_id of the socket URL, which pings must carry.
func serviceID(raw string) int32 {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(u.Query().Get(larkws.ServiceID), 10, 32)
	return int32(n)
}

// handshakeErr reads the Handshake-* headers of a refused upgrade.
func handshakeErr(resp *http.Response) error {
	status := resp.Header.Get(larkws.HeaderHandshakeStatus)
	msg := resp.Header.Get(larkws.HeaderHandshakeMsg)
	if resp.Header.Get(larkws.HeaderHandshakeAuthErrCode) == strconv.Itoa(larkws.ExceedConnLimit) {
		return fmt.Errorf("%w: %s", errConnLimit, msg)
	}
	return fmt.Errorf("handshake refused: HTTP %d status %s: %s", resp.StatusCode, status, msg)
}

// pingLoop pings every PingInterval (as the latest pong says) so that
// Feishu keeps the connection and a dead one is noticed.
func pingLoop(ctx context.Context, s *socket) {
	for {
		iv := time.Duration(s.config().PingInterval) * time.Second
		if iv <= 0 {
			iv = 2 * time.Minute
		}
		if err := s.write(larkws.NewPingFrame(s.service)); err != nil {
			return
		}
		if !sleep(ctx, iv) {
			return
		}
	}
}
