package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
)

// ack is the 200 answer to a robot callback. It carries no msgtype, so
// DingTalk posts nothing back into the chat; the fields are for people
// reading logs and for tests.
type ack struct {
	Msg       string `json:"msg"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Ignored   string `json:"ignored,omitempty"`
	event     *eventAnswer
}

// ServeHTTP authenticates a robot message or event-subscription callback,
// and stores a message durably before answering 200.
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
	if a.event != nil {
		json.NewEncoder(w).Encode(a.event)
		return
	}
	json.NewEncoder(w).Encode(a)
}

// receive tells the two callbacks apart by how they are signed: events in
// the query string, robot messages in headers.
func (c *conn) receive(r *http.Request) (ack, error) {
	if isEvent(r.URL.Query()) {
		return c.receiveEvent(r)
	}
	if err := verifyRobot(r.Header, c.cfg.AppSecret, c.env.Now()); err != nil {
		return ack{}, err
	}
	body, err := c.readBody(r)
	if err != nil {
		return ack{}, err
	}
	if body, err = c.openRobotBody(body); err != nil {
		return ack{}, err
	}
	var m robotMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return ack{}, errcode.MalformedBody.With("%v", err)
	}
	return c.message(r.Context(), m)
}

// openRobotBody decrypts a robot callback sent with the robot's body
// encryption on: {"encrypt": …} sealed with the app's aes_key the way
// event callbacks are, for the app (receiveid = AppKey or robot code).
// The timestamp signature only proves the timestamp, replayable for an
// hour; the ciphertext is what proves the body came from DingTalk, so an
// encrypted body that does not open is refused, never read as plain.
func (c *conn) openRobotBody(body []byte) ([]byte, error) {
	var sealed struct {
		Encrypt string `json:"encrypt"`
	}
	if json.Unmarshal(body, &sealed) != nil || sealed.Encrypt == "" {
		return body, nil // plaintext robot callback
	}
	if c.cfg.AESKey == "" {
		return nil, errcode.BadSignature.With("encrypted robot callback, but the channel has no aes_key")
	}
	msg, receiveID, err := decryptEvent(c.cfg.AESKey, sealed.Encrypt)
	if err != nil {
		return nil, errcode.BadSignature.With("robot callback: %v", err)
	}
	if receiveID != c.cfg.AppKey && receiveID != c.cfg.RobotCode {
		return nil, errcode.BadSignature.With("robot callback sealed for %q, not this app", receiveID)
	}
	return msg, nil
}

// readBody reads at most MaxBodyBytes.
func (c *conn) readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, c.env.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errcode.BodyTooLarge.With("limit is %d bytes", c.env.MaxBodyBytes)
	}
	if err != nil {
		return nil, errcode.MalformedBody.With("reading body: %v", err)
	}
	return body, nil
}

// message commits a robot message, then remembers how to answer in its
// conversation. The robot's own messages are acknowledged and dropped:
// answering them could loop.
func (c *conn) message(ctx context.Context, m robotMessage) (ack, error) {
	if m.SenderID != "" && m.SenderID == m.ChatbotUserID {
		return ack{Msg: "success", Ignored: "sent by this robot"}, nil
	}
	env, err := c.envelope(m)
	if err != nil {
		return ack{}, err
	}
	acc, err := c.env.Sink.Accept(ctx, env)
	if err != nil {
		return ack{}, err
	}
	rt := route{group: m.ConversationType == "2"}
	if !rt.group {
		rt.staffID = m.SenderStaffID
	}
	if c.trustedWebhook(m.SessionWebhook) && m.SessionWebhookExpiredTime > 0 {
		rt.webhook, rt.expires = m.SessionWebhook, time.UnixMilli(m.SessionWebhookExpiredTime)
	}
	if kept, persist := c.routes.note(m.ConversationID, rt); persist {
		c.saveRoute(ctx, m.ConversationID, kept)
	}
	return ack{Msg: "success", Duplicate: acc.Duplicate}, nil
}

// trustedWebhook reports whether a sessionWebhook points at DingTalk's
// webhook host. The callback's sign does not cover the body, so a replayed
// header pair could carry any URL; replies must not follow it elsewhere.
func (c *conn) trustedWebhook(hook string) bool {
	u, err := url.Parse(hook)
	base, _ := url.Parse(c.cfg.OAPIBaseURL)
	return err == nil && base != nil && u.Scheme == base.Scheme && strings.EqualFold(u.Host, base.Host)
}
