package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Request is one callback to send: its body and the headers that go with
// it (content type, signature…), in order.
type Request struct {
	Body   []byte
	Header [][2]string
}

// poster sends one request and returns the answer's status and body.
type poster interface {
	post(ctx context.Context, r Request) (status int, respBody []byte, err error)
	close()
}

// newPoster picks the sender for one worker. Plain http:// targets get a
// keep-alive connection of the worker's own that writes each request in one
// syscall and reads the answer on the same goroutine: net/http's Transport
// hands every request to two goroutines of its own (readLoop/writeLoop),
// which cost the 2-core benchmark machine about a quarter of its CPU, CPU the
// server under test then does not get. https:// (a remote node) keeps the
// standard client.
func newPoster(rawURL string, timeout time.Duration) (poster, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return &stdPoster{url: rawURL, client: NewClient(1, timeout)}, nil
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: switchboard-bench\r\n", u.RequestURI(), u.Host)
	return &connPoster{addr: host, head: []byte(head), timeout: timeout}, nil
}

// connPoster is one HTTP/1.1 keep-alive connection, redialled after any
// error or a "Connection: close" answer.
type connPoster struct {
	addr    string
	head    []byte
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	buf     []byte
}

func (p *connPoster) post(ctx context.Context, r Request) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if p.conn == nil {
		c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", p.addr)
		if err != nil {
			return 0, nil, err
		}
		p.conn, p.br = c, bufio.NewReaderSize(c, 4096)
	}
	status, resp, err := p.roundTrip(r)
	if err != nil {
		p.close()
	}
	return status, resp, err
}

func (p *connPoster) roundTrip(r Request) (int, []byte, error) {
	b := append(p.buf[:0], p.head...)
	for _, h := range r.Header {
		b = append(b, h[0]...)
		b = append(b, ": "...)
		b = append(b, h[1]...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(r.Body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, r.Body...)
	p.buf = b
	_ = p.conn.SetDeadline(time.Now().Add(p.timeout))
	if _, err := p.conn.Write(b); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return 0, nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if err != nil {
		return 0, nil, err
	}
	if resp.Close {
		p.close()
	}
	return resp.StatusCode, raw, nil
}

func (p *connPoster) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.br = nil, nil
	}
}

// stdPoster sends through net/http, for TLS targets.
type stdPoster struct {
	url    string
	client *http.Client
}

func (p *stdPoster) post(ctx context.Context, r Request) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(r.Body))
	if err != nil {
		return 0, nil, err
	}
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return resp.StatusCode, raw, nil
}

func (p *stdPoster) close() { p.client.CloseIdleConnections() }
