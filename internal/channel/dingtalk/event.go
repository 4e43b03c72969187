package dingtalk

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"switchboard/internal/errcode"
)

// maxEventAge bounds how old an event callback's timestamp may be.
// DingTalk re-pushes unacknowledged events and does not document whether
// a re-push is re-signed, so a tight window would refuse legitimate
// retries; events store nothing, so a replay inside it is harmless.
const maxEventAge = 24 * time.Hour

// eventAnswer is the encrypted "success" an event callback must get
// within 1500 ms, or DingTalk counts it failed (71009 for check_url).
type eventAnswer struct {
	MsgSignature string `json:"msg_signature"`
	TimeStamp    string `json:"timeStamp"`
	Nonce        string `json:"nonce"`
	Encrypt      string `json:"encrypt"`
}

// isEvent reports whether a request is an event-subscription callback,
// signed in the query string (both spellings are in use).
func isEvent(q url.Values) bool { return q.Has("signature") || q.Has("msg_signature") }

// receiveEvent authenticates and opens an event callback and answers the
// encrypted "success". check_url and every other event are acknowledged;
// none is stored yet (contact and approval events have no consumer).
func (c *conn) receiveEvent(r *http.Request) (ack, error) {
	if c.cfg.Token == "" {
		return ack{}, errcode.BadSignature.With("an event-subscription callback, but this channel has no token and aes_key")
	}
	q := r.URL.Query()
	sig, ts, nonce := cmp.Or(q.Get("msg_signature"), q.Get("signature")), cmp.Or(q.Get("timeStamp"), q.Get("timestamp")), q.Get("nonce")
	if err := c.checkEventTime(ts); err != nil {
		return ack{}, err
	}
	body, err := c.readBody(r)
	if err != nil {
		return ack{}, err
	}
	var in struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Encrypt == "" {
		return ack{}, errcode.MalformedBody.With(`expected {"encrypt": …}`)
	}
	if subtle.ConstantTimeCompare([]byte(eventSignature(c.cfg.Token, ts, nonce, in.Encrypt)), []byte(sig)) != 1 {
		return ack{}, errcode.BadSignature.With("signature does not match sha1(sort(token, timestamp, nonce, encrypt))")
	}
	plain, receiveID, err := decryptEvent(c.cfg.AESKey, in.Encrypt)
	if err != nil {
		return ack{}, errcode.MalformedBody.With("decrypting: %v", err)
	}
	if receiveID != c.cfg.AppKey {
		return ack{}, errcode.BadSignature.With("the event is sealed for %q, not this channel's app_key", receiveID)
	}
	var ev struct {
		EventType string `json:"EventType"`
	}
	if err := json.Unmarshal(plain, &ev); err != nil || ev.EventType == "" {
		return ack{}, errcode.MalformedBody.With("decrypted event has no EventType")
	}
	answer, err := c.sealSuccess()
	if err != nil {
		return ack{}, err
	}
	return ack{Msg: "success", Ignored: ev.EventType, event: &answer}, nil
}

// checkEventTime accepts milliseconds (what DingTalk sends) or seconds.
func (c *conn) checkEventTime(ts string) error {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errcode.StaleTimestamp.With("missing or non-numeric timestamp")
	}
	at := time.UnixMilli(n)
	if n < 1e11 {
		at = time.Unix(n, 0)
	}
	skew := cmp.Or(c.env.SignatureSkew, 5*time.Minute)
	if age := c.env.Now().Sub(at); age > maxEventAge || age < -skew {
		return errcode.StaleTimestamp.With("timestamp is %s away from server time", age.Round(time.Second))
	}
	return nil
}

// sealSuccess is the answer that tells DingTalk the event was received.
func (c *conn) sealSuccess() (eventAnswer, error) {
	enc, err := encryptEvent(c.cfg.AESKey, c.cfg.AppKey, []byte("success"))
	if err != nil {
		return eventAnswer{}, err
	}
	b := make([]byte, 8)
	rand.Read(b)
	a := eventAnswer{TimeStamp: strconv.FormatInt(c.env.Now().UnixMilli(), 10), Nonce: hex.EncodeToString(b), Encrypt: enc}
	a.MsgSignature = eventSignature(c.cfg.Token, a.TimeStamp, a.Nonce, enc)
	return a, nil
}
