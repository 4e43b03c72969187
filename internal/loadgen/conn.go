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

	"switchboard/internal/channel/webhook"
)

// poster sends one signed webhook request and returns its status and body.
type poster interface {
	post(ctx context.Context, body []byte, ts int64, sig string) (status int, respBody []byte, err error)
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
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: switchboard-bench\r\nContent-Type: application/json\r\n", u.RequestURI(), u.Host)
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

func (p *connPoster) post(ctx context.Context, body []byte, ts int64, sig string) (int, []byte, error) {
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
	status, resp, err := p.roundTrip(body, ts, sig)
	if err != nil {
		p.close()
	}
	return status, resp, err
}

func (p *connPoster) roundTrip(body []byte, ts int64, sig string) (int, []byte, error) {
	b := append(p.buf[:0], p.head...)
	b = append(b, webhook.HeaderTimestamp+": "...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, "\r\n"+webhook.HeaderSignature+": "...)
	b = append(b, sig...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
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

func (p *stdPoster) post(ctx context.Context, body []byte, ts int64, sig string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(webhook.HeaderSignature, sig)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return resp.StatusCode, raw, nil
}

func (p *stdPoster) close() { p.client.CloseIdleConnections() }
