package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/channel"
)

// outbound is the JSON POSTed to the in-house system for a reply.
type outbound struct {
	ID           string `json:"id"`
	Conversation struct {
		ID string `json:"id"`
	} `json:"conversation"`
	Text    string `json:"text"`
	ReplyTo string `json:"reply_to,omitempty"`
	Sender  struct {
		Name string `json:"name,omitempty"`
	} `json:"sender"`
	SentAt time.Time `json:"sent_at"`
}

// Send POSTs a signed reply. The idempotency key is the message id, so the
// receiver can drop a retry of a request whose answer we never saw.
func (h *hook) Send(ctx context.Context, m channel.Outbound) (channel.Receipt, error) {
	if h.cfg.URL == "" {
		return channel.Receipt{}, channel.Permanent(fmt.Errorf("webhook channel %d has no reply URL", h.row.ID))
	}
	var o outbound
	o.ID, o.Conversation.ID, o.Text, o.ReplyTo, o.SentAt = m.IdemKey, m.Destination, m.Text, m.ReplyTo, h.env.Now().UTC()
	o.Sender.Name = m.SenderName
	body, err := json.Marshal(o)
	if err != nil {
		return channel.Receipt{}, channel.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return channel.Receipt{}, channel.Permanent(err)
	}
	ts := h.env.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.IdemKey)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.cfg.Secret, ts, body))
	resp, err := h.env.Client.Do(req)
	if err != nil {
		h.noteEvent(err)
		return channel.Receipt{}, fmt.Errorf("webhook POST: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := classify(resp, answer); err != nil {
		h.noteEvent(err)
		return channel.Receipt{}, err
	}
	var ack struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(answer, &ack)
	if ack.ID == "" {
		ack.ID = m.IdemKey
	}
	return channel.Receipt{ExternalID: ack.ID, Destination: m.Destination}, nil
}

// classify maps the receiver's answer to retry-later, permanent or success.
func classify(resp *http.Response, answer []byte) error {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code >= 500 || code == http.StatusRequestTimeout:
		err := fmt.Errorf("webhook answered %d: %.200s", code, answer)
		if d, ok := channel.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &channel.RetryAfterError{After: d, Err: err}
		}
		return err
	default:
		return channel.Permanent(fmt.Errorf("webhook answered %d: %.200s", code, answer))
	}
}

// Update is not possible: a plain webhook has no way to edit what it received.
func (h *hook) Update(context.Context, channel.Receipt, channel.Outbound) error {
	return channel.ErrUnsupported
}
