package feishu

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Event is a schema 2.0 event callback as Feishu posts it (before
// encryption).
type Event struct {
	Schema string          `json:"schema"`
	Header EventHeader     `json:"header"`
	Event  json.RawMessage `json:"event"`
}

// EventHeader is the header of a schema 2.0 event.
type EventHeader struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	CreateTime string `json:"create_time"` // unix milliseconds
	Token      string `json:"token"`
	AppID      string `json:"app_id"`
	TenantKey  string `json:"tenant_key"`
}

// UserID is how the IM events name a user.
type UserID struct {
	OpenID  string `json:"open_id"`
	UserID  string `json:"user_id,omitempty"`
	UnionID string `json:"union_id,omitempty"`
}

// Mention is one @-mention in a message: Key ("@_user_1") stands for the
// user in the content's text.
type Mention struct {
	Key       string `json:"key"`
	ID        UserID `json:"id"`
	Name      string `json:"name"`
	TenantKey string `json:"tenant_key,omitempty"`
}

// Message is an inbound chat message, the input of MessageReceived. Zero
// fields get plausible defaults.
type Message struct {
	MessageID   string    // default: a fresh om_… id
	ChatID      string    // default: oc_sim_chat
	ChatType    string    // p2p (default), group or topic_group
	Sender      UserID    // default open_id ou_sim_user
	SenderType  string    // "user" (default); "app" for a bot's own message
	MessageType string    // text (default), post, image, file, audio, media, sticker…
	Text        string    // text messages: the content's text
	Content     string    // raw content JSON; overrides Text
	Mentions    []Mention //
	RootID      string
	ParentID    string
	CreateTime  time.Time // default: now
}

// receiveEvent is the event body of im.message.receive_v1.
type receiveEvent struct {
	Sender struct {
		SenderID   UserID `json:"sender_id"`
		SenderType string `json:"sender_type"`
		TenantKey  string `json:"tenant_key"`
	} `json:"sender"`
	Message struct {
		MessageID   string    `json:"message_id"`
		RootID      string    `json:"root_id,omitempty"`
		ParentID    string    `json:"parent_id,omitempty"`
		CreateTime  string    `json:"create_time"`
		UpdateTime  string    `json:"update_time"`
		ChatID      string    `json:"chat_id"`
		ChatType    string    `json:"chat_type"`
		MessageType string    `json:"message_type"`
		Content     string    `json:"content"`
		Mentions    []Mention `json:"mentions,omitempty"`
	} `json:"message"`
}

// withDefaults fills the zero fields of m.
func (m Message) withDefaults(now time.Time) Message {
	if m.MessageID == "" {
		m.MessageID = "om_" + randomHex(16)
	}
	m.ChatID = cmp.Or(m.ChatID, "oc_sim_chat")
	m.ChatType = cmp.Or(m.ChatType, "p2p")
	m.Sender.OpenID = cmp.Or(m.Sender.OpenID, "ou_sim_user")
	m.SenderType = cmp.Or(m.SenderType, "user")
	m.MessageType = cmp.Or(m.MessageType, "text")
	if m.Content == "" {
		b, _ := json.Marshal(map[string]string{"text": m.Text})
		m.Content = string(b)
	}
	if m.CreateTime.IsZero() {
		m.CreateTime = now
	}
	return m
}

// receiveBody builds the event body of m.
func receiveBody(m Message, tenant string) json.RawMessage {
	var ev receiveEvent
	ev.Sender.SenderID, ev.Sender.SenderType, ev.Sender.TenantKey = m.Sender, m.SenderType, tenant
	em := &ev.Message
	em.MessageID, em.RootID, em.ParentID = m.MessageID, m.RootID, m.ParentID
	em.CreateTime, em.UpdateTime = ms(m.CreateTime), ms(m.CreateTime)
	em.ChatID, em.ChatType, em.MessageType, em.Content, em.Mentions = m.ChatID, m.ChatType, m.MessageType, m.Content, m.Mentions
	b, _ := json.Marshal(ev)
	return b
}

// header is a fresh event header: every push of a new event gets a new
// event_id; retries of the same push keep it.
func header(eventType, token, appID, tenant string, at time.Time) EventHeader {
	return EventHeader{EventID: randomHex(16), EventType: eventType, CreateTime: strconv.FormatInt(at.UnixMilli(), 10),
		Token: token, AppID: appID, TenantKey: tenant}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Text is the content JSON of a text message.
func Text(s string) string {
	b, _ := json.Marshal(map[string]string{"text": s})
	return string(b)
}
