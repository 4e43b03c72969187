package feishu

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	simfeishu "switchboard/internal/simulator/feishu"
)

type nopSink struct{}

func (nopSink) Accept(context.Context, model.Envelope) (channel.Accepted, error) {
	return channel.Accepted{InboxID: 1}, nil
}

// BenchmarkEncryptedCallback is the adapter's share of the callback hot
// path — signature check, decryption, parsing, normalizing — without the
// store: what it costs on top of intake's group commit.
func BenchmarkEncryptedCallback(b *testing.B) {
	cfg, _, _ := Driver{}.Prepare(map[string]string{"app_id": "cli_b", "app_secret": "s", "verification_token": "vt", "encrypt_key": "ek"})
	ch, _ := Driver{}.New(model.Channel{ID: 1, Kind: Kind, Config: cfg}, channel.Env{Sink: nopSink{}, MaxBodyBytes: 1 << 20,
		SignatureSkew: 5 * time.Minute, Now: time.Now})
	c := ch.(*conn)
	c.seen = newRecentIDs(1) // the pool of requests below repeats; keep them all fresh
	cb := &simfeishu.Callbacks{URL: "http://switchboard/hooks/feishu/1", AppID: "cli_b", VerificationToken: "vt", EncryptKey: "ek"}
	type canned struct {
		header http.Header
		body   []byte
	}
	pool := make([]canned, 256)
	for i := range pool {
		ev := cb.MessageReceived(simfeishu.Message{ChatID: "oc_1", ChatType: "group", Text: "三号线设备报警，请尽快处理 @_user_1"})
		req, _ := cb.Request(context.Background(), ev, true)
		body, _ := io.ReadAll(req.Body)
		pool[i] = canned{req.Header, body}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := pool[i%len(pool)]
		req := httptest.NewRequest("POST", "/hooks/feishu/1", bytes.NewReader(p.body))
		req.Header = p.header
		w := httptest.NewRecorder()
		c.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
