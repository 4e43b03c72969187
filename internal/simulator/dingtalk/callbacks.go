package dingtalk

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Header names of a robot callback.
const (
	HeaderTimestamp = "timestamp" // unix milliseconds
	HeaderSign      = "sign"
)

// Callbacks posts robot message callbacks to the app's message receiving
// URL the way DingTalk does in HTTP mode: JSON, with timestamp and sign
// headers that authenticate the timestamp (not the body).
type Callbacks struct {
	URL           string // the channel's callback URL
	AppSecret     string
	RobotCode     string
	ChatbotUserID string // default: derived from RobotCode
	// AESKey, when set, turns on the robot's body encryption: the JSON is
	// sent as {"encrypt": …}, sealed for RobotCode as event callbacks are.
	AESKey string
	CorpID string // default: dingsimcorp
	Client *http.Client
	Now    func() time.Time
	// Server, when set, learns every conversation and hands out the
	// sessionWebhook, so that replies through it land in that conversation
	// as on DingTalk.
	Server *Server
}

// Answer is what the app answered to a callback.
type Answer struct {
	Status int
	Body   string
}

func (c *Callbacks) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Callbacks) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return http.DefaultClient
}

func (c *Callbacks) chatbotUserID() string {
	return cmp.Or(c.ChatbotUserID, lwcp("robot/"+c.RobotCode))
}

// Message builds the callback of a new message m, with a fresh
// sessionWebhook for its conversation.
func (c *Callbacks) Message(m Message) Callback {
	now := c.now()
	m = m.withDefaults(now)
	webhook, exp := "https://oapi.dingtalk.com/robot/sendBySession?session="+randomHex(16), now.Add(90*time.Minute)
	if c.Server != nil {
		conv := conversation{id: m.ConversationID, typ: m.ConversationType, title: m.Title}
		if m.ConversationType == "1" {
			conv.staffID = m.SenderStaffID
		}
		c.Server.remember(conv)
		webhook, exp = c.Server.openSession(m.ConversationID)
	}
	corp := cmp.Or(c.CorpID, "dingsimcorp")
	cb := Callback{ConversationID: m.ConversationID, AtUsers: m.AtUsers, ChatbotCorpID: corp, ChatbotUserID: c.chatbotUserID(),
		MsgID: m.MsgID, SenderNick: m.SenderNick, SenderStaffID: m.SenderStaffID, SessionWebhookExpiredTime: exp.UnixMilli(),
		CreateAt: m.CreateAt.UnixMilli(), SenderCorpID: corp, ConversationType: m.ConversationType,
		SenderID: lwcp(m.SenderStaffID + m.SenderNick), IsInAtList: m.ConversationType == "2", SessionWebhook: webhook,
		MsgType: m.MsgType, RobotCode: c.RobotCode}
	if m.ConversationType == "2" {
		cb.ConversationTitle = m.Title
	}
	if m.FromRobot {
		cb.SenderID, cb.SenderStaffID, cb.SenderNick = cb.ChatbotUserID, "", "robot"
	}
	if m.MsgType == "text" {
		cb.Text = &TextContent{Content: m.Text}
	} else {
		cb.Content = m.Content
	}
	return cb
}

// Request builds the HTTP request for payload (a Callback or any JSON
// value), signed for timestamp ts. Tests tamper with the result to check
// refusals.
func (c *Callbacks) Request(ctx context.Context, payload any, ts time.Time) (*http.Request, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	if c.AESKey != "" {
		sealed, err := Encrypt(c.AESKey, c.RobotCode, body)
		if err != nil {
			return nil, err
		}
		body, _ = json.Marshal(map[string]string{"encrypt": sealed})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderTimestamp, stamp)
	req.Header.Set(HeaderSign, Sign(stamp, c.AppSecret))
	return req, nil
}

// Post delivers cb once, signed now.
func (c *Callbacks) Post(ctx context.Context, cb Callback) (Answer, error) {
	req, err := c.Request(ctx, cb, c.now())
	if err != nil {
		return Answer{}, err
	}
	return c.Do(req)
}

// PostTimes delivers cb n times with the same msgId, each freshly signed,
// as a retried or duplicated push.
func (c *Callbacks) PostTimes(ctx context.Context, cb Callback, n int) ([]Answer, error) {
	out := make([]Answer, 0, n)
	for range n {
		a, err := c.Post(ctx, cb)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Do sends a (possibly tampered) callback request.
func (c *Callbacks) Do(req *http.Request) (Answer, error) {
	resp, err := c.client().Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return Answer{Status: resp.StatusCode, Body: string(b)}, nil
}
