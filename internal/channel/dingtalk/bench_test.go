package dingtalk

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
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

type nopSink struct{}

func (nopSink) Accept(context.Context, model.Envelope) (channel.Accepted, error) {
	return channel.Accepted{InboxID: 1}, nil
}

// BenchmarkSignedCallback is the adapter's share of the callback hot path
// — sign check, parsing, normalizing, remembering the route — without the
// store: what it costs on top of intake's group commit.
func BenchmarkSignedCallback(b *testing.B) {
	cfg, _, _ := Driver{}.Prepare(map[string]string{"app_key": "dingb", "app_secret": "s"})
	ch, _ := Driver{}.New(model.Channel{ID: 1, Kind: Kind, Config: cfg}, channel.Env{Sink: nopSink{}, MaxBodyBytes: 1 << 20,
		SignatureSkew: 5 * time.Minute, Now: time.Now})
	c := ch.(*conn)
	cb := &simdingtalk.Callbacks{URL: "http://switchboard/hooks/dingtalk/1", AppSecret: "s", RobotCode: "dingb"}
	type canned struct {
		header http.Header
		body   []byte
	}
	pool := make([]canned, 256)
	for i := range pool {
		m := cb.Message(simdingtalk.Message{ConversationType: "2", Title: "三号线报修群", Text: "三号线设备报警，请尽快处理"})
		req, _ := cb.Request(context.Background(), m, time.Now())
		body, _ := io.ReadAll(req.Body)
		pool[i] = canned{req.Header, body}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := pool[i%len(pool)]
		req := httptest.NewRequest("POST", "/hooks/dingtalk/1", bytes.NewReader(p.body))
		req.Header = p.header
		w := httptest.NewRecorder()
		c.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
