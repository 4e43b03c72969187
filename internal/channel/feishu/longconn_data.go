package feishu

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"switchboard/internal/errcode"
)

// fragmentTTL is how long the parts of a split payload wait for the rest
// (the SDK's 5 s).
const fragmentTTL = 5 * time.Second

// readLoop reads frames until the socket fails or is closed. Data frames
// are handled concurrently (up to maxInFlight), so that one slow commit
// does not hold up the events behind it, and the intake batches them.
func (c *conn) readLoop(ctx context.Context, s *socket) error {
	parts := fragments{}
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		s.ws.SetReadDeadline(time.Now().Add(readTimeout(s.config())))
		mt, b, err := s.ws.ReadMessage()
		if err != nil {
			return err
		}
		var f larkws.Frame
		if mt != websocket.BinaryMessage || f.Unmarshal(b) != nil {
			continue
		}
		if larkws.FrameType(f.Method) == larkws.FrameTypeControl {
			s.control(f)
			continue
		}
		payload, complete := parts.add(f, time.Now())
		if !complete {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.answer(ctx, s, f, payload)
		}()
	}
}

// readTimeout: every ping is answered by a pong, so three ping intervals
// without any frame mean the connection is dead even if TCP has not
// noticed (a NAT that forgot it, a cable pulled on the other side).
func readTimeout(cc larkws.ClientConfig) time.Duration {
	iv := time.Duration(cc.PingInterval) * time.Second
	if iv <= 0 {
		iv = 2 * time.Minute
	}
	return 3*iv + 10*time.Second
}

// control handles a pong, which may carry a new ClientConfig.
func (s *socket) control(f larkws.Frame) {
	if larkws.Headers(f.Headers).GetString(larkws.HeaderType) != string(larkws.MessageTypePong) || len(f.Payload) == 0 {
		return
	}
	var cc larkws.ClientConfig
	if json.Unmarshal(f.Payload, &cc) != nil {
		return
	}
	s.cmu.Lock()
	s.cc = cc
	s.cmu.Unlock()
}

// answer handles one pushed event and acks it by writing the frame back
// with biz_rt and {"code":…,"data":…}. Code 200 only after the commit:
// anything else makes Feishu push the event again.
func (c *conn) answer(ctx context.Context, s *socket, f larkws.Frame, payload []byte) {
	start := time.Now()
	code, data := c.pushed(ctx, payload)
	hs := larkws.Headers(f.Headers)
	hs.Add(larkws.HeaderBizRt, strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	resp := larkws.NewResponseByCode(code)
	resp.Data = data
	f.Payload, _ = json.Marshal(resp)
	f.Headers = hs
	if err := s.write(&f); err != nil {
		// The ack is lost; Feishu pushes again and the commit dedupes it.
		return
	}
}

// pushed handles an event or card payload: the same JSON as an HTTP
// callback, unencrypted and without a token to check (the socket itself
// was opened with the app secret).
func (c *conn) pushed(ctx context.Context, payload []byte) (int, []byte) {
	var cb callback
	err := json.Unmarshal(payload, &cb)
	if err != nil {
		err = errcode.MalformedBody.With("%v", err)
	}
	var a ack
	if err == nil {
		a, err = c.event(ctx, cb)
	}
	if err != nil {
		e := errcode.From(err)
		if c.env.Rejected != nil && e.Status < 500 {
			c.env.Rejected(Kind, e.Reason)
		}
		c.noteRefused(err)
		return cmp.Or(e.Status, http.StatusInternalServerError), nil
	}
	c.noteOK(true)
	if a.card != nil {
		b, _ := json.Marshal(a.card)
		return http.StatusOK, b
	}
	return http.StatusOK, nil
}

// fragments reassembles payloads Feishu split over several frames
// (headers sum and seq, same message_id). Only the read loop uses it.
type fragments map[string]*partial

type partial struct {
	parts [][]byte
	at    time.Time
}

func (m fragments) add(f larkws.Frame, now time.Time) ([]byte, bool) {
	hs := larkws.Headers(f.Headers)
	sum, seq, id := hs.GetInt(larkws.HeaderSum), hs.GetInt(larkws.HeaderSeq), hs.GetString(larkws.HeaderMessageID)
	if sum <= 1 {
		return f.Payload, true
	}
	if seq < 0 || seq >= sum || sum > 4096 {
		return nil, false
	}
	for k, p := range m {
		if now.Sub(p.at) > fragmentTTL {
			delete(m, k)
		}
	}
	p := m[id]
	if p == nil || len(p.parts) != sum {
		p = &partial{parts: make([][]byte, sum)}
		m[id] = p
	}
	p.parts[seq], p.at = append([]byte{}, f.Payload...), now
	for _, part := range p.parts {
		if part == nil {
			return nil, false
		}
	}
	delete(m, id)
	return bytes.Join(p.parts, nil), true
}
