package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/channel/webhook"
)

// The benchmark's own connection must send exactly what the server checks
// (signature over timestamp and body) and keep working when a server closes
// the connection or answers in chunks.
func TestConnPosterSignsReusesAndRedials(t *testing.T) {
	var conns atomic.Int32
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(webhook.HeaderTimestamp)
		if r.URL.Path != "/hooks/webhook/7" || webhook.Verify("s3cret", ts, r.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		switch n.Add(1) {
		case 2:
			w.Header().Set("Connection", "close") // the next request must redial
		case 3:
			w.(http.Flusher).Flush() // chunked answer
		}
		io.WriteString(w, `{"duplicate":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	p, err := newPoster(srv.URL+"/hooks/webhook/7", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	cfg := Config{Secret: "s3cret", Prefix: "c", Convs: 3, ChannelID: 7}
	for i := range 4 {
		o := send(context.Background(), p, cfg, i)
		if o.status != http.StatusOK || !o.dup {
			t.Fatalf("request %d: status %d dup %v", i, o.status, o.dup)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Errorf("%d connections, want 2 (one reused, one after Connection: close)", got)
	}
	srv.Close()
	if o := send(context.Background(), p, cfg, 4); o.status != 0 {
		t.Errorf("server gone: status %d, want a transport error (0)", o.status)
	}
}
