package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// hook is one live webhook channel.
type hook struct {
	row model.Channel
	cfg Config
	env channel.Env

	mu     sync.Mutex
	health model.Health
}

func newHook(row model.Channel, cfg Config, env channel.Env) *hook {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Client == nil {
		env.Client = &http.Client{Timeout: 15 * time.Second}
	}
	return &hook{row: row, cfg: cfg, env: env, health: model.Health{State: model.HealthConnected}}
}

// inbound is the JSON an in-house system POSTs.
type inbound struct {
	ID           string `json:"id"`
	Conversation struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"conversation"`
	Sender struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"sender"`
	Text        string              `json:"text"`
	Kind        string              `json:"kind"`
	SentAt      *time.Time          `json:"sent_at"`
	Attachments []inboundAttachment `json:"attachments"`
}

type inboundAttachment struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Data string `json:"data"` // base64
	MIME string `json:"mime"`
}

func (h *hook) Start(context.Context, channel.Sink) error { return nil }

func (h *hook) Health() model.Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.health
}

func (h *hook) noteEvent(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.health.ErrorCount++
		h.health.LastError = err.Error()
		return
	}
	h.health.LastEventAt = h.env.Now().UTC()
}

// ServeHTTP authenticates, parses and durably accepts one inbound message.
func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	acc, err := h.receive(r)
	if err != nil {
		e := errcode.From(err)
		if h.env.Rejected != nil {
			h.env.Rejected(Kind, e.Reason)
		}
		h.noteEvent(err)
		channel.WriteError(w, e)
		return
	}
	h.noteEvent(nil)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":"accepted","duplicate":%t}`+"\n", acc.Duplicate)
}

func (h *hook) receive(r *http.Request) (channel.Accepted, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, h.env.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return channel.Accepted{}, errcode.BodyTooLarge.With("limit is %d bytes", h.env.MaxBodyBytes)
	}
	if err != nil {
		return channel.Accepted{}, errcode.MalformedBody.With("reading body: %v", err)
	}
	if err := Verify(h.cfg.Secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, h.env.Now(), h.env.SignatureSkew); err != nil {
		return channel.Accepted{}, err
	}
	env, err := h.parse(body)
	if err != nil {
		return channel.Accepted{}, err
	}
	return h.env.Sink.Accept(r.Context(), env)
}

func (h *hook) parse(body []byte) (model.Envelope, error) {
	var in inbound
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		return model.Envelope{}, errcode.MalformedBody.With("%v", err)
	}
	switch {
	case strings.TrimSpace(in.ID) == "":
		return model.Envelope{}, errcode.MissingField.With("id")
	case strings.TrimSpace(in.Conversation.ID) == "":
		return model.Envelope{}, errcode.MissingField.With("conversation.id")
	case strings.TrimSpace(in.Sender.ID) == "":
		return model.Envelope{}, errcode.MissingField.With("sender.id")
	case in.Text == "" && len(in.Attachments) == 0:
		return model.Envelope{}, errcode.MissingField.With("text or attachments")
	}
	env := model.Envelope{ChannelID: h.row.ID, ExternalID: in.ID, ConvID: in.Conversation.ID, ConvTitle: in.Conversation.Title,
		SenderID: in.Sender.ID, SenderName: in.Sender.Name, Text: in.Text, ReceivedAt: h.env.Now().UTC()}
	env.SentAt = env.ReceivedAt
	if in.SentAt != nil {
		env.SentAt = in.SentAt.UTC()
	}
	atts, err := h.attachments(in.Attachments)
	if err != nil {
		return env, err
	}
	env.Attachments = atts
	env.Kind = kindOf(in.Kind, atts)
	if !env.Kind.Valid() {
		return env, errcode.InvalidRequest.With("kind %q: want text, image, file, voice, video or card", in.Kind)
	}
	return env, nil
}

func (h *hook) attachments(in []inboundAttachment) ([]model.Attachment, error) {
	var out []model.Attachment
	for i, a := range in {
		att := model.Attachment{Name: a.Name, MIME: a.MIME, URL: a.URL}
		switch {
		case a.Data != "":
			data, err := base64.StdEncoding.DecodeString(a.Data)
			if err != nil {
				return nil, errcode.BadAttachment.With("attachments[%d].data: not base64: %v", i, err)
			}
			id, err := h.env.Blobs.Put(data)
			if err != nil {
				return nil, errcode.Unavailable.With("storing attachment: %v", err)
			}
			att.BlobID, att.Size, att.URL = id, int64(len(data)), ""
		case a.URL == "":
			return nil, errcode.BadAttachment.With("attachments[%d]: needs url or data", i)
		}
		if att.Name == "" {
			att.Name = "attachment-" + strconv.Itoa(i+1)
		}
		out = append(out, att)
	}
	return out, nil
}

// kindOf infers the message kind from attachments when the sender gave none.
func kindOf(kind string, atts []model.Attachment) model.MessageKind {
	if kind != "" {
		return model.MessageKind(kind)
	}
	if len(atts) == 0 {
		return model.KindText
	}
	switch m := atts[0].MIME; {
	case strings.HasPrefix(m, "image/"):
		return model.KindImage
	case strings.HasPrefix(m, "audio/"):
		return model.KindVoice
	case strings.HasPrefix(m, "video/"):
		return model.KindVideo
	}
	return model.KindFile
}
