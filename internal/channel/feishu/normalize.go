package feishu

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

const eventMessageReceive = "im.message.receive_v1"

// messageEvent is the event body of im.message.receive_v1.
type messageEvent struct {
	Sender struct {
		SenderID   userID `json:"sender_id"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Message struct {
		MessageID   string    `json:"message_id"`
		CreateTime  string    `json:"create_time"` // unix ms
		ChatID      string    `json:"chat_id"`
		ChatType    string    `json:"chat_type"`
		MessageType string    `json:"message_type"`
		Content     string    `json:"content"` // a JSON string
		Mentions    []mention `json:"mentions"`
	} `json:"message"`
}

type userID struct {
	OpenID  string `json:"open_id"`
	UserID  string `json:"user_id"`
	UnionID string `json:"union_id"`
}

type mention struct {
	Key  string `json:"key"` // "@_user_1", as it stands in the text
	Name string `json:"name"`
}

// envelope normalizes a message event. The message id is the external id,
// so a re-push under a new event id still stores once.
func (c *conn) envelope(ev messageEvent) (model.Envelope, error) {
	m := ev.Message
	sender := cmp.Or(ev.Sender.SenderID.OpenID, ev.Sender.SenderID.UserID, ev.Sender.SenderID.UnionID)
	switch {
	case m.MessageID == "":
		return model.Envelope{}, errcode.MissingField.With("event.message.message_id")
	case m.ChatID == "":
		return model.Envelope{}, errcode.MissingField.With("event.message.chat_id")
	case sender == "":
		return model.Envelope{}, errcode.MissingField.With("event.sender.sender_id")
	}
	kind, text, atts, err := c.body(m.MessageID, m.MessageType, m.Content, m.Mentions)
	if err != nil {
		return model.Envelope{}, err
	}
	now := c.env.Now().UTC()
	env := model.Envelope{ChannelID: c.row.ID, ExternalID: m.MessageID, ConvID: m.ChatID, SenderID: sender,
		Kind: kind, Text: text, Attachments: atts, SentAt: now, ReceivedAt: now}
	if ms, err := strconv.ParseInt(m.CreateTime, 10, 64); err == nil && ms > 0 {
		env.SentAt = time.UnixMilli(ms).UTC()
	}
	// The event carries only ids; the caller adds the names (names.go).
	return env, nil
}

// content is the union of the content JSON of the message types handled.
type content struct {
	Text     string `json:"text"`
	ImageKey string `json:"image_key"`
	FileKey  string `json:"file_key"`
	FileName string `json:"file_name"`
}

// body turns a message's content into kind, text and attachments.
// Attachments keep their resource URL; fetching the bytes (which needs the
// tenant token) into the blob store is still to do.
func (c *conn) body(msgID, msgType, raw string, mentions []mention) (model.MessageKind, string, []model.Attachment, error) {
	if msgType == "post" {
		text, atts, err := c.post(msgID, raw, mentions)
		return model.KindText, text, atts, err
	}
	var ct content
	if err := json.Unmarshal([]byte(raw), &ct); err != nil {
		return "", "", nil, errcode.MalformedBody.With("event.message.content is not JSON: %v", err)
	}
	switch msgType {
	case "text":
		return model.KindText, withMentions(ct.Text, mentions), nil, nil
	case "image":
		return model.KindImage, "", []model.Attachment{c.resource(msgID, ct.ImageKey, "image", ct.ImageKey)}, nil
	case "file":
		return model.KindFile, ct.FileName, []model.Attachment{c.resource(msgID, ct.FileKey, "file", ct.FileName)}, nil
	case "audio":
		return model.KindVoice, "", []model.Attachment{c.resource(msgID, ct.FileKey, "file", ct.FileKey+".opus")}, nil
	case "media":
		return model.KindVideo, ct.FileName, []model.Attachment{c.resource(msgID, ct.FileKey, "file", ct.FileName)}, nil
	}
	// Stickers, cards, shared chats, locations…: kept visible as a marker
	// rather than refused, which Feishu would re-push for hours.
	return model.KindText, "[" + msgType + "]", nil, nil
}

// resource is an attachment that lives on Feishu, fetched with
// GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file.
func (c *conn) resource(msgID, key, typ, name string) model.Attachment {
	u := fmt.Sprintf("%s/open-apis/im/v1/messages/%s/resources/%s?type=%s", c.cfg.BaseURL,
		url.PathEscape(msgID), url.PathEscape(key), typ)
	return model.Attachment{Name: cmp.Or(name, key), URL: u}
}

// withMentions replaces the "@_user_1" placeholders with "@name", so the
// text reads as it did in the chat and a mentioned name is searchable.
func withMentions(text string, mentions []mention) string {
	for _, m := range mentions {
		if m.Key != "" && m.Name != "" {
			text = strings.ReplaceAll(text, m.Key, "@"+m.Name)
		}
	}
	return text
}
