package dingtalk

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Message is an inbound robot message, the input of Callbacks.Message.
// Zero fields get plausible defaults.
type Message struct {
	MsgID            string // default: a fresh msg… id
	MsgType          string // text (default), richText, picture, file, audio, video…
	ConversationType string // "1" single chat (default) or "2" group
	ConversationID   string // default: one cid per single-chat user, or cid-sim-group
	Title            string // groups: conversationTitle
	SenderStaffID    string // default sim-user; "-" for none (an external contact)
	SenderNick       string // default 模拟用户
	Text             string // text messages
	// Content is the "content" object of non-text messages; see RichText,
	// Picture, File, Audio and Video.
	Content  json.RawMessage
	AtUsers  []AtUser
	CreateAt time.Time // default: now
	// FromRobot makes the sender the robot itself (senderId = chatbotUserId).
	FromRobot bool
}

// AtUser is one @-mention in a group message.
type AtUser struct {
	DingtalkID string `json:"dingtalkId"`
	StaffID    string `json:"staffId,omitempty"`
}

// TextContent is the "text" field of a text message.
type TextContent struct {
	Content string `json:"content"`
}

// Callback is the JSON body DingTalk posts to the robot's message
// receiving URL in HTTP mode (reference §3.2; field names as in the
// official stream SDK's chatbot model, which carries the same JSON).
type Callback struct {
	ConversationID            string          `json:"conversationId"`
	AtUsers                   []AtUser        `json:"atUsers,omitempty"`
	ChatbotCorpID             string          `json:"chatbotCorpId"`
	ChatbotUserID             string          `json:"chatbotUserId"`
	MsgID                     string          `json:"msgId"`
	SenderNick                string          `json:"senderNick"`
	IsAdmin                   bool            `json:"isAdmin"`
	SenderStaffID             string          `json:"senderStaffId,omitempty"`
	SessionWebhookExpiredTime int64           `json:"sessionWebhookExpiredTime"`
	CreateAt                  int64           `json:"createAt"`
	SenderCorpID              string          `json:"senderCorpId"`
	ConversationType          string          `json:"conversationType"`
	SenderID                  string          `json:"senderId"`
	ConversationTitle         string          `json:"conversationTitle,omitempty"`
	IsInAtList                bool            `json:"isInAtList"`
	SessionWebhook            string          `json:"sessionWebhook"`
	Text                      *TextContent    `json:"text,omitempty"`
	Content                   json.RawMessage `json:"content,omitempty"`
	MsgType                   string          `json:"msgtype"`
	RobotCode                 string          `json:"robotCode"`
}

// withDefaults fills the zero fields of m.
func (m Message) withDefaults(now time.Time) Message {
	if m.MsgID == "" {
		m.MsgID = "msg" + randomHex(12)
	}
	m.MsgType = cmp.Or(m.MsgType, "text")
	m.ConversationType = cmp.Or(m.ConversationType, "1")
	m.SenderStaffID = cmp.Or(m.SenderStaffID, "sim-user")
	if m.SenderStaffID == "-" {
		m.SenderStaffID = ""
	}
	m.SenderNick = cmp.Or(m.SenderNick, "模拟用户")
	if m.ConversationID == "" {
		m.ConversationID = "cid-sim-group"
		if m.ConversationType == "1" {
			m.ConversationID = "cid-sim-single-" + lwcp(m.SenderStaffID + m.SenderNick)[11:23]
		}
	}
	if m.CreateAt.IsZero() {
		m.CreateAt = now
	}
	return m
}

// lwcp is an encrypted-looking DingTalk user id ("$:LWCP_v1:$…"), stable
// per input like the real ones.
func lwcp(s string) string {
	sum := sha256.Sum256([]byte("lwcp/" + s))
	return "$:LWCP_v1:$" + hex.EncodeToString(sum[:12])
}

// RichPart is one segment of a richText message: text or a picture.
type RichPart struct {
	Text        string
	PictureCode string // the picture's downloadCode
}

// RichText is the content of a richText message (shape from third-party
// SDK code, unverified against the official docs).
func RichText(parts ...RichPart) json.RawMessage {
	var items []map[string]string
	for _, p := range parts {
		if p.PictureCode != "" {
			items = append(items, map[string]string{"type": "picture", "downloadCode": p.PictureCode, "pictureDownloadCode": p.PictureCode})
			continue
		}
		items = append(items, map[string]string{"text": p.Text})
	}
	return mustJSON(map[string]any{"richText": items})
}

// Picture is the content of a picture message.
func Picture(downloadCode string) json.RawMessage {
	return mustJSON(map[string]string{"downloadCode": downloadCode, "pictureDownloadCode": downloadCode})
}

// File is the content of a file message.
func File(name, downloadCode string) json.RawMessage {
	return mustJSON(map[string]string{"downloadCode": downloadCode, "fileName": name, "fileId": "file-" + downloadCode, "spaceId": "space-sim"})
}

// Audio is the content of a voice message; recognition is DingTalk's
// speech-to-text of it.
func Audio(downloadCode, recognition string, d time.Duration) json.RawMessage {
	return mustJSON(map[string]any{"downloadCode": downloadCode, "recognition": recognition, "duration": d.Milliseconds()})
}

// Video is the content of a video message.
func Video(downloadCode string, d time.Duration) json.RawMessage {
	return mustJSON(map[string]any{"downloadCode": downloadCode, "duration": d.Milliseconds(), "videoType": "mp4"})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
