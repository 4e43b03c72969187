package dingtalk

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// robotMessage is the JSON body of a robot message callback (reference §3.2).
type robotMessage struct {
	MsgID             string `json:"msgId"`
	MsgType           string `json:"msgtype"`
	CreateAt          int64  `json:"createAt"` // unix ms
	ConversationType  string `json:"conversationType"`
	ConversationID    string `json:"conversationId"`
	ConversationTitle string `json:"conversationTitle"`
	SenderID          string `json:"senderId"`
	SenderStaffID     string `json:"senderStaffId"`
	SenderNick        string `json:"senderNick"`
	ChatbotUserID     string `json:"chatbotUserId"`
	RobotCode         string `json:"robotCode"`
	IsInAtList        bool   `json:"isInAtList"`
	AtUsers           []struct {
		DingtalkID string `json:"dingtalkId"`
		StaffID    string `json:"staffId"`
	} `json:"atUsers"`
	SessionWebhook            string `json:"sessionWebhook"`
	SessionWebhookExpiredTime int64  `json:"sessionWebhookExpiredTime"` // unix ms
	Text                      struct {
		Content string `json:"content"`
	} `json:"text"`
	Content json.RawMessage `json:"content"`
}

// content is the union of the "content" objects of non-text messages.
// Their shapes are not in the reference; they follow the SDKs and sample
// payloads seen in the wild (richText, picture, file, audio, video).
type content struct {
	RichText []struct {
		Text         string `json:"text"`
		Type         string `json:"type"`
		DownloadCode string `json:"downloadCode"`
	} `json:"richText"`
	DownloadCode        string `json:"downloadCode"`
	PictureDownloadCode string `json:"pictureDownloadCode"`
	FileName            string `json:"fileName"`
	Recognition         string `json:"recognition"` // audio: DingTalk's speech-to-text
}

// envelope normalizes a robot message. The msgId is the external id, so a
// retried push stores once.
func (c *conn) envelope(m robotMessage) (model.Envelope, error) {
	sender := cmp.Or(m.SenderStaffID, m.SenderID) // external contacts have no staffId
	switch {
	case m.MsgID == "":
		return model.Envelope{}, errcode.MissingField.With("msgId")
	case m.ConversationID == "":
		return model.Envelope{}, errcode.MissingField.With("conversationId")
	case sender == "":
		return model.Envelope{}, errcode.MissingField.With("senderStaffId / senderId")
	}
	kind, text, atts, err := body(m)
	if err != nil {
		return model.Envelope{}, err
	}
	now := c.env.Now().UTC()
	env := model.Envelope{ChannelID: c.row.ID, ExternalID: m.MsgID, ConvID: m.ConversationID, SenderID: sender,
		SenderName: m.SenderNick, Kind: kind, Text: text, Attachments: atts, SentAt: now, ReceivedAt: now}
	if m.ConversationType == "2" {
		env.ConvTitle = m.ConversationTitle
	}
	if m.CreateAt > 0 {
		env.SentAt = time.UnixMilli(m.CreateAt).UTC()
	}
	return env, nil
}

// body turns a message into kind, text and attachments. Text keeps its
// "@name" mentions as typed; the bot's own @ is already cut by DingTalk.
// Attachments carry DingTalk's downloadCode (see download); fetching the
// bytes into the blob store is still to do.
func body(m robotMessage) (model.MessageKind, string, []model.Attachment, error) {
	if m.MsgType == "text" {
		return model.KindText, strings.TrimSpace(m.Text.Content), nil, nil
	}
	var ct content
	if len(m.Content) > 0 {
		if err := json.Unmarshal(m.Content, &ct); err != nil {
			return "", "", nil, errcode.MalformedBody.With("content of a %s message: %v", m.MsgType, err)
		}
	}
	code := cmp.Or(ct.DownloadCode, ct.PictureDownloadCode)
	switch m.MsgType {
	case "richText":
		return model.KindText, richText(ct), richAttachments(ct), nil
	case "picture":
		return model.KindImage, "", []model.Attachment{download(code, "picture")}, nil
	case "file":
		return model.KindFile, ct.FileName, []model.Attachment{download(code, ct.FileName)}, nil
	case "audio":
		return model.KindVoice, ct.Recognition, []model.Attachment{download(code, "voice")}, nil
	case "video":
		return model.KindVideo, "", []model.Attachment{download(code, "video")}, nil
	}
	// Cards, shared chats, locations…: kept visible as a marker rather
	// than refused.
	return model.KindText, "[" + cmp.Or(m.MsgType, "unknown") + "]", nil, nil
}

// richText flattens the text segments, one per line.
func richText(ct content) string {
	var lines []string
	for _, part := range ct.RichText {
		if t := strings.TrimSpace(part.Text); t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

func richAttachments(ct content) []model.Attachment {
	var atts []model.Attachment
	for _, part := range ct.RichText {
		if part.Type == "picture" && part.DownloadCode != "" {
			atts = append(atts, download(part.DownloadCode, "picture"))
		}
	}
	return atts
}

// download is an attachment still on DingTalk. Its bytes come from the
// robot's file download API with the downloadCode (and the access
// token); until that is wired, URL records the code under a
// "dingtalk-download-code:" scheme instead of pretending to be fetchable.
func download(code, name string) model.Attachment {
	return model.Attachment{Name: cmp.Or(name, "file"), URL: "dingtalk-download-code:" + code}
}
