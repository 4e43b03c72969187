package dingtalk

import (
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/simulator"
)

// Frame is a frame the server pushes (reference §3.3 step 2).
type Frame struct {
	SpecVersion string            `json:"specVersion"`
	Type        string            `json:"type"` // SYSTEM, EVENT or CALLBACK
	Headers     map[string]string `json:"headers"`
	Data        string            `json:"data"` // a JSON document, as a string
}

// Ack is the app's answer to a frame (step 3).
type Ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

// Frame outcomes, as FrameRecord.Outcome reports them.
const (
	OutcomeQueued  = "queued"  // no subscribed connection yet: waits for one
	OutcomePushed  = "pushed"  // written, no ack yet
	OutcomeAcked   = "acked"   // code 200 (EVENT: status SUCCESS)
	OutcomeLater   = "later"   // EVENT acked LATER, or refused: will be pushed again
	OutcomeFailed  = "failed"  // CALLBACK refused (code ≠ 200): not pushed again
	OutcomeLost    = "lost"    // CALLBACK never acked: DingTalk does not re-push it
	OutcomeTimeout = "timeout" // EVENT not acked in time: will be pushed again
)

// FrameRecord is what became of one pushed frame, for tests and
// GET /_sim/stream.
type FrameRecord struct {
	MessageID string    `json:"message_id"`
	Type      string    `json:"type"`
	Topic     string    `json:"topic"`
	Attempts  int       `json:"attempts"`
	Conns     []int     `json:"conns"` // connection ids it was written to, in order
	Outcome   string    `json:"outcome"`
	AckCode   int       `json:"ack_code,omitempty"`
	AckData   string    `json:"ack_data,omitempty"`
	PushedAt  time.Time `json:"pushed_at"`
	AckedAt   time.Time `json:"acked_at,omitzero"`
}

// ConnInfo describes a live Stream connection.
type ConnInfo struct {
	ID            int            `json:"id"`
	Opened        time.Time      `json:"opened"`
	Subscriptions []Subscription `json:"subscriptions"`
	Draining      bool           `json:"draining"` // told to disconnect
}

// delivery is a frame not yet settled.
type delivery struct {
	frame   Frame
	rec     *FrameRecord
	conn    *streamConn
	attempt int
}

// streamHub is the fake's Stream gateway state, under its own lock.
type streamHub struct {
	cfg    StreamConfig
	now    func() time.Time
	faults *simulator.Faults

	mu       sync.Mutex
	seq      int
	tickets  map[string]ticket
	conns    []*streamConn
	connects int
	queue    []*delivery          // waiting for a subscribed connection
	live     map[string]*delivery // pushed, by messageId
	records  []*FrameRecord
}

func newStreamHub(cfg StreamConfig, now func() time.Time, faults *simulator.Faults) *streamHub {
	return &streamHub{cfg: cfg.withDefaults(), now: now, faults: faults, tickets: map[string]ticket{}, live: map[string]*delivery{}}
}

func (h *streamHub) addTicket(tk string, t ticket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tickets[tk] = t
}

// takeTicket uses a ticket up.
func (h *streamHub) takeTicket(tk string, now time.Time) (ticket, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.tickets[tk]
	delete(h.tickets, tk)
	return t, ok && now.Before(t.expires)
}

// attach registers a new connection and hands it the frames that were
// waiting for one.
func (h *streamHub) attach(ws *websocket.Conn, subs []Subscription, now time.Time) *streamConn {
	h.mu.Lock()
	h.connects++
	c := &streamConn{id: h.connects, ws: ws, subs: subs, opened: now}
	h.conns = append(h.conns, c)
	waiting := h.queue
	h.queue = nil
	h.mu.Unlock()
	for _, d := range waiting {
		h.deliver(d)
	}
	return c
}

// detach drops a closed connection. What it had not acked is re-pushed
// (events, once their ack timeout passes) or lost (callbacks).
func (h *streamHub) detach(c *streamConn) {
	c.ws.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	c.closed = true
	h.conns = slices.DeleteFunc(h.conns, func(o *streamConn) bool { return o == c })
	for id, d := range h.live {
		if d.conn == c && !h.redelivers(d.frame.Type) {
			d.rec.Outcome = OutcomeLost
			delete(h.live, id)
		}
	}
}

func (h *streamHub) redelivers(typ string) bool {
	return typ == "EVENT" || typ == "CALLBACK" && h.cfg.RedeliverCallbacks
}

// push records a new frame and delivers it.
func (h *streamHub) push(typ, topic string, headers map[string]string, data any) string {
	b, _ := json.Marshal(data)
	h.mu.Lock()
	h.seq++
	id := "sim-" + strconv.Itoa(h.seq) + "-" + randomHex(6)
	h.mu.Unlock()
	hd := map[string]string{"topic": topic, "messageId": id, "contentType": "application/json",
		"time": strconv.FormatInt(h.now().UnixMilli(), 10)}
	for k, v := range headers {
		hd[k] = v
	}
	rec := &FrameRecord{MessageID: id, Type: typ, Topic: topic, Outcome: OutcomeQueued}
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	h.deliver(&delivery{frame: Frame{SpecVersion: "1.0", Type: typ, Headers: hd, Data: string(b)}, rec: rec})
	return id
}

// deliver writes d to one subscribed connection picked at random (the
// platform load-balances, it does not broadcast), or queues it.
func (h *streamHub) deliver(d *delivery) {
	h.mu.Lock()
	var pick []*streamConn
	for _, c := range h.conns {
		if !c.draining && c.subscribed(d.frame.Type, d.frame.Headers["topic"]) {
			pick = append(pick, c)
		}
	}
	if len(pick) == 0 {
		d.rec.Outcome = OutcomeQueued
		h.queue = append(h.queue, d)
		h.mu.Unlock()
		return
	}
	c := pick[rand.IntN(len(pick))]
	d.conn, d.attempt = c, d.attempt+1
	d.rec.Attempts, d.rec.Outcome, d.rec.PushedAt = d.attempt, OutcomePushed, h.now()
	d.rec.Conns = append(d.rec.Conns, c.id)
	h.live[d.frame.Headers["messageId"]] = d
	attempt := d.attempt
	h.mu.Unlock()
	if f, ok := h.faults.Next(cmp.Or(d.frame.Headers["eventType"], d.frame.Headers["topic"])); ok && f.Drop {
		c.ws.UnderlyingConn().Close() // the network drops with the frame in flight
	} else if c.send(d.frame) != nil {
		c.ws.UnderlyingConn().Close()
	}
	time.AfterFunc(h.cfg.AckTimeout, func() { h.timeout(d, attempt) })
}

// timeout re-pushes an event (or, with RedeliverCallbacks, a callback)
// still un-acked after AckTimeout; a callback is otherwise lost.
func (h *streamHub) timeout(d *delivery, attempt int) {
	h.mu.Lock()
	id := d.frame.Headers["messageId"]
	if h.live[id] != d || d.attempt != attempt {
		h.mu.Unlock()
		return
	}
	delete(h.live, id)
	again := h.redelivers(d.frame.Type)
	d.rec.Outcome = OutcomeLost
	if again {
		d.rec.Outcome = OutcomeTimeout
	}
	h.mu.Unlock()
	if again {
		h.deliver(d)
	}
}

// acked settles the frame an ack names.
func (h *streamHub) acked(c *streamConn, a Ack) {
	h.mu.Lock()
	id := a.Headers["messageId"]
	d := h.live[id]
	if d == nil || d.conn != c {
		h.mu.Unlock()
		return // late, unknown, or for a frame already re-pushed elsewhere
	}
	delete(h.live, id)
	d.rec.AckCode, d.rec.AckData, d.rec.AckedAt = a.Code, a.Data, h.now()
	again := false
	switch {
	case d.frame.Type == "EVENT" && a.Code == 200 && eventStatus(a.Data) == "SUCCESS", d.frame.Type != "EVENT" && a.Code == 200:
		d.rec.Outcome = OutcomeAcked
	case h.redelivers(d.frame.Type):
		d.rec.Outcome, again = OutcomeLater, true
	default:
		d.rec.Outcome = OutcomeFailed
	}
	h.mu.Unlock()
	if again {
		time.AfterFunc(h.cfg.RetryDelay, func() { h.deliver(d) })
	}
}

// eventStatus reads {"status":"SUCCESS"|"LATER"} from an EVENT ack.
func eventStatus(data string) string {
	var v struct {
		Status string `json:"status"`
	}
	json.Unmarshal([]byte(data), &v)
	return v.Status
}
