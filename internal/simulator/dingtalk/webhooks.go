package dingtalk

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// signWindow is how far a custom robot's signed timestamp may be from now.
const signWindow = time.Hour

// errNoText refuses a webhook message with nothing to show.
var errNoText = errors.New("text.content is required")

// session is a sessionWebhook handed out in a callback.
type session struct {
	convID  string
	expires time.Time
}

// customRobot is a group's custom (webhook) robot.
type customRobot struct {
	secret string // "SEC…"; "" when the robot uses keyword/IP security instead of sign
	convID string
}

// webhookMessage is the body both webhooks take (reference §3.4).
type webhookMessage struct {
	MsgType string `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
	Markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
	ActionCard struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"actionCard"`
	At struct {
		AtUserIDs []string `json:"atUserIds"`
		AtMobiles []string `json:"atMobiles"`
		IsAtAll   bool     `json:"isAtAll"`
	} `json:"at"`
}

// openSession hands out a sessionWebhook for a conversation, as DingTalk
// does in every robot callback.
func (s *Server) openSession(convID string) (string, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := randomHex(16)
	exp := s.cfg.Now().Add(s.cfg.SessionTTL)
	s.sessions[tok] = session{convID: convID, expires: exp}
	base := cmp.Or(s.cfg.URL, "https://oapi.dingtalk.com")
	return base + "/robot/sendBySession?session=" + tok, exp
}

// sessionSend serves POST /robot/sendBySession?session=…: a reply into the
// conversation the session belongs to, until sessionWebhookExpiredTime.
func (s *Server) sessionSend(r *http.Request) reply {
	msg, text, err := decodeWebhook(r)
	if err != nil {
		return oapiAnswer(400, err.Error()) // unverified errcode
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, known := s.sessions[r.URL.Query().Get("session")]
	if !known || !s.cfg.Now().Before(sess.expires) {
		return oapiAnswer(ErrcodeNoToken, "session 不存在或已过期 (sessionWebhook expired)")
	}
	s.sent = append(s.sent, Sent{Op: "session", ConversationID: sess.convID, MsgType: msg.MsgType, Text: text,
		At: append(msg.At.AtUserIDs, msg.At.AtMobiles...), When: s.cfg.Now()})
	return oapiAnswer(ErrcodeOK, "ok")
}

// customSend serves POST /robot/send?access_token=&timestamp=&sign=, the
// custom robot: sign = base64(HmacSHA256(secret, timestamp+"\n"+secret)),
// timestamp (ms) within an hour.
func (s *Server) customSend(r *http.Request) reply {
	q := r.URL.Query()
	s.mu.Lock()
	robot, known := s.robots[q.Get("access_token")]
	now := s.cfg.Now()
	s.mu.Unlock()
	if !known {
		return oapiAnswer(ErrcodeNoToken, "token is not exist")
	}
	if robot.secret != "" {
		if err := checkSign(q.Get("timestamp"), q.Get("sign"), robot.secret, now); err != nil {
			return oapiAnswer(ErrcodeBadSign, err.Error())
		}
	}
	msg, text, err := decodeWebhook(r)
	if err != nil {
		return oapiAnswer(400, err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, Sent{Op: "webhook", ConversationID: robot.convID, MsgType: msg.MsgType, Text: text,
		At: append(msg.At.AtUserIDs, msg.At.AtMobiles...), When: now})
	return oapiAnswer(ErrcodeOK, "ok")
}

// checkSign verifies a custom robot's timestamp and sign.
func checkSign(ts, sign, secret string, now time.Time) error {
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("sign not match: missing timestamp")
	}
	if d := now.Sub(time.UnixMilli(ms)); d > signWindow || d < -signWindow {
		return fmt.Errorf("invalid timestamp: more than an hour from now")
	}
	if !hmac.Equal([]byte(sign), []byte(Sign(ts, secret))) {
		return fmt.Errorf("sign not match")
	}
	return nil
}

// decodeWebhook reads a webhook body and the text a reader would see.
func decodeWebhook(r *http.Request) (webhookMessage, string, error) {
	var m webhookMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		return m, "", fmt.Errorf("invalid JSON: %v", err)
	}
	var text string
	switch m.MsgType {
	case "text":
		text = m.Text.Content
	case "markdown":
		text = cmp.Or(m.Markdown.Text, m.Markdown.Title)
		if m.Markdown.Title == "" {
			return m, "", fmt.Errorf("markdown needs title and text")
		}
	case "actionCard":
		text = m.ActionCard.Text
	case "link", "feedCard":
		text = "[" + m.MsgType + "]"
	default:
		return m, "", fmt.Errorf("msgtype %q is not supported", m.MsgType)
	}
	if text == "" {
		return m, "", errNoText
	}
	return m, text, nil
}

// AddCustomRobot installs a custom robot in a group: posts to
// /robot/send?access_token=token land in convID. With a secret ("SEC…")
// every post must be signed.
func (s *Server) AddCustomRobot(token, secret, convID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots[token] = customRobot{secret: secret, convID: convID}
}

// ExpireSessions ends every session webhook handed out so far, as if their
// sessionWebhookExpiredTime had passed.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]session{}
}

// Sign is the sign of a robot callback header or a custom robot URL:
// base64(HmacSHA256(key = secret, msg = timestamp + "\n" + secret)), not
// yet URL-encoded.
func Sign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
