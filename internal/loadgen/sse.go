package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Listener follows GET /api/v1/events and records when each message event
// arrived, keyed by the message's external id.
type Listener struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	events int // message events, including repeats
	err    error
	done   chan struct{}
}

// Listen connects to the event stream and returns once the server has
// answered, so nothing published afterwards is missed. The stream is read
// until ctx ends or the server closes it.
func Listen(ctx context.Context, baseURL, token string) (*Listener, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/api/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req) // no timeout: the stream is long-lived
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("events: status %d", resp.StatusCode)
	}
	l := &Listener{seen: map[string]time.Time{}, done: make(chan struct{})}
	// The handler flushes ": connected" before it loops; reading that line
	// proves the subscription exists before the caller starts sending.
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	if _, err := br.ReadString('\n'); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("events: %w", err)
	}
	go l.read(br, resp)
	return l, nil
}

func (l *Listener) read(br *bufio.Reader, resp *http.Response) {
	defer close(l.done)
	defer resp.Body.Close()
	var event string
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			line, err = l.long(br, line)
		}
		if err != nil {
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			event = ""
		case bytes.HasPrefix(line, []byte("event: ")):
			event = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")) && event == "message":
			l.message(line[len("data: "):])
		}
	}
}

// long reassembles a line longer than the reader's buffer.
func (l *Listener) long(br *bufio.Reader, first []byte) ([]byte, error) {
	buf := append([]byte(nil), first...)
	rest, err := br.ReadBytes('\n')
	return append(buf, rest...), err
}

// message records one event. The receive time is taken before decoding so
// the latency does not include the listener's own parsing.
func (l *Listener) message(data []byte) {
	at := time.Now()
	id := externalID(data)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events++
	if _, dup := l.seen[id]; !dup && id != "" {
		l.seen[id] = at
	}
}

// externalID pulls external_id out of a message event. Load test ids never
// need escaping, so a scan finds them; anything else is fully decoded.
func externalID(data []byte) string {
	key := []byte(`"external_id":"`)
	if i := bytes.Index(data, key); i >= 0 {
		rest := data[i+len(key):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 && bytes.IndexByte(rest[:j], '\\') < 0 {
			return string(rest[:j])
		}
	}
	var m struct {
		ExternalID string `json:"external_id"`
	}
	_ = json.Unmarshal(data, &m)
	return m.ExternalID
}

// Seen returns when the event for external id arrived.
func (l *Listener) Seen(id string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.seen[id]
	return t, ok
}

// Count returns distinct ids seen and message events received (repeats included).
func (l *Listener) Count() (distinct, events int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen), l.events
}

// Err is why the stream ended, if it did.
func (l *Listener) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// WaitAll waits until every id has been seen, the stream ends, ctx ends, or
// no new event arrived for idle. It returns how many of ids are still missing.
// It polls every 20 ms rather than waking per event: at 10k events/s a
// per-event rescan would steal the CPU the server under test needs.
func (l *Listener) WaitAll(ctx context.Context, ids []string, idle time.Duration) int {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	missing, lastEvents, lastChange := ids, -1, time.Now()
	for {
		l.mu.Lock()
		missing = l.unseen(missing)
		events := l.events
		l.mu.Unlock()
		if len(missing) == 0 {
			return 0
		}
		if events != lastEvents {
			lastEvents, lastChange = events, time.Now()
		} else if time.Since(lastChange) > idle {
			return len(missing)
		}
		select {
		case <-tick.C:
		case <-l.done:
			l.mu.Lock()
			defer l.mu.Unlock()
			return len(l.unseen(missing))
		case <-ctx.Done():
			return len(missing)
		}
	}
}

// unseen filters ids down to those not seen yet; l.mu is held.
func (l *Listener) unseen(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if _, ok := l.seen[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}
