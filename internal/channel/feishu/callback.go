package feishu

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
)

// callback is the part of any callback body read before knowing its kind:
// a url_verification handshake or a schema 2.0 event.
type callback struct {
	Encrypt   string `json:"encrypt"`
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Token     string `json:"token"` // handshake and schema 1.0 events
	Schema    string `json:"schema"`
	Header    struct {
		EventID   string `json:"event_id"`
		EventType string `json:"event_type"`
		Token     string `json:"token"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

// ack is the 200 answer; Feishu only needs the status, the rest is for
// people reading logs and for tests.
type ack struct {
	Msg       string      `json:"msg"`
	Challenge string      `json:"challenge,omitempty"`
	Duplicate bool        `json:"duplicate,omitempty"`
	Ignored   string      `json:"ignored,omitempty"`
	card      *cardAnswer // a card callback's answer, sent instead
}

// ServeHTTP authenticates a callback, and for a message stores it durably
// before answering 200: Feishu re-pushes whatever it gets no 200 for.
// Card callbacks (card.action.trigger) use the same URL: in the Feishu
// console the card request URL is set to the event request URL, and both
// share the app's Encrypt Key and Verification Token.
func (c *conn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, err := c.receive(r)
	if err != nil {
		e := errcode.From(err)
		if c.env.Rejected != nil {
			c.env.Rejected(Kind, e.Reason)
		}
		c.noteRefused(err)
		channel.WriteError(w, e)
		return
	}
	c.noteOK(true)
	w.Header().Set("Content-Type", "application/json")
	if a.Challenge != "" { // the handshake answer is exactly {"challenge": …}
		json.NewEncoder(w).Encode(map[string]string{"challenge": a.Challenge})
		return
	}
	if a.card != nil { // a card callback is answered with {"toast": …} alone
		json.NewEncoder(w).Encode(a.card)
		return
	}
	json.NewEncoder(w).Encode(a)
}

func (c *conn) receive(r *http.Request) (ack, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, c.env.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return ack{}, errcode.BodyTooLarge.With("limit is %d bytes", c.env.MaxBodyBytes)
	}
	if err != nil {
		return ack{}, errcode.MalformedBody.With("reading body: %v", err)
	}
	cb, err := c.open(r.Header, body)
	if err != nil {
		return ack{}, err
	}
	if cb.Type == "url_verification" {
		if !tokenMatches(cb.Token, c.cfg.VerificationToken) {
			return ack{}, errcode.BadSignature.With("url_verification token does not match the channel's verification_token")
		}
		return ack{Msg: "success", Challenge: cb.Challenge}, nil
	}
	if c.cfg.EncryptKey != "" && !signed(r.Header) {
		return ack{}, errcode.BadSignature.With("missing %s: events must be signed when an encrypt key is set", HeaderSignature)
	}
	if !tokenMatches(cmp.Or(cb.Header.Token, cb.Token), c.cfg.VerificationToken) {
		return ack{}, errcode.BadSignature.With("verification token does not match the channel's verification_token")
	}
	return c.event(r.Context(), cb)
}

// open verifies the signature when there is one (before spending an AES
// decryption on a forgery), decrypts, and parses the callback. The
// url_verification handshake is encrypted but not signed.
func (c *conn) open(h http.Header, body []byte) (callback, error) {
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return cb, errcode.MalformedBody.With("%v", err)
	}
	if c.cfg.EncryptKey == "" {
		if cb.Encrypt != "" {
			return cb, errcode.MalformedBody.With("the body is encrypted: set the app's Encrypt Key as encrypt_key on this channel")
		}
		return cb, nil
	}
	if signed(h) {
		if err := verifySignature(h, c.cfg.EncryptKey, body, c.env.Now(), c.env.SignatureSkew); err != nil {
			return cb, err
		}
	}
	if cb.Encrypt == "" {
		return cb, errcode.MalformedBody.With(`expected {"encrypt": …}: this channel has an encrypt_key`)
	}
	plain, err := decrypt(c.cfg.EncryptKey, cb.Encrypt)
	if err != nil {
		return cb, errcode.MalformedBody.With("decrypting: %v", err)
	}
	var inner callback
	if err := json.Unmarshal(plain, &inner); err != nil {
		return inner, errcode.MalformedBody.With("decrypted body: %v", err)
	}
	return inner, nil
}

// event handles an authenticated event from either transport: messages
// and card clicks are normalized and committed, other event types are
// acknowledged and dropped so Feishu does not keep re-pushing them.
func (c *conn) event(ctx context.Context, cb callback) (ack, error) {
	id, typ := cb.Header.EventID, cb.Header.EventType
	if cb.Schema != "2.0" || id == "" {
		return ack{}, errcode.MissingField.With("header.event_id: only schema 2.0 events are supported")
	}
	if c.seen.has(id) {
		a := ack{Msg: "success", Duplicate: true}
		if typ == eventCardAction {
			a.card = &received
		}
		return a, nil
	}
	var a ack
	var err error
	switch typ {
	case eventMessageReceive:
		a, err = c.message(ctx, cb.Event)
	case eventCardAction:
		a, err = c.cardAction(ctx, id, cb.Event)
	case eventMessageRead:
		a, err = c.read(ctx, id, cb.Event)
	default:
		return ack{Msg: "success", Ignored: "event type " + typ + " is not handled"}, nil
	}
	if err == nil {
		c.seen.add(id)
	}
	return a, err
}

// message commits an im.message.receive_v1 event.
func (c *conn) message(ctx context.Context, raw json.RawMessage) (ack, error) {
	var ev messageEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return ack{}, errcode.MalformedBody.With("event: %v", err)
	}
	if ev.Sender.SenderType == "app" { // a bot, maybe this one: answering it could loop
		return ack{Msg: "success", Ignored: "sent by a bot"}, nil
	}
	env, err := c.envelope(ev)
	if err != nil {
		return ack{}, err
	}
	c.fillNames(ctx, &env, ev.Message.ChatType != "p2p")
	acc, err := c.env.Sink.Accept(ctx, env)
	if err != nil {
		return ack{}, err
	}
	return ack{Msg: "success", Duplicate: acc.Duplicate}, nil
}
