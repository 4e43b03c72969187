package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a minimal robot endpoint that checks callbacks by the
// reference's recipe, independent of the code that made them.
type receiver struct {
	secret string
	mu     sync.Mutex
	bodies []map[string]any
	valid  []bool
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	ts := r.Header.Get("timestamp")
	mac := hmac.New(sha256.New, []byte(rv.secret))
	mac.Write([]byte(ts + "\n" + rv.secret))
	ms, _ := strconv.ParseInt(ts, 10, 64)
	fresh := time.Since(time.UnixMilli(ms)).Abs() <= time.Hour
	rv.mu.Lock()
	rv.bodies = append(rv.bodies, m)
	rv.valid = append(rv.valid, fresh && r.Header.Get("sign") == base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	rv.mu.Unlock()
}

func TestCallbacksAreSignedAndRetriedWithTheSameMsgID(t *testing.T) {
	rv := &receiver{secret: "app-secret"}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	cb := &Callbacks{URL: srv.URL, AppSecret: "app-secret", RobotCode: "dingbot"}
	m := cb.Message(Message{ConversationType: "2", ConversationID: "cid-line3", Title: "三号线报修群", SenderStaffID: "li4",
		SenderNick: "李四", Text: " 设备报警", AtUsers: []AtUser{{DingtalkID: "$:LWCP_v1:$bot"}}})
	if _, err := cb.PostTimes(context.Background(), m, 2); err != nil {
		t.Fatal(err)
	}
	if len(rv.bodies) != 2 || !rv.valid[0] || !rv.valid[1] {
		t.Fatalf("%d callbacks, valid %v", len(rv.bodies), rv.valid)
	}
	b := rv.bodies[0]
	if b["msgId"] != rv.bodies[1]["msgId"] || b["msgtype"] != "text" || b["conversationType"] != "2" || b["conversationTitle"] != "三号线报修群" ||
		b["senderStaffId"] != "li4" || b["isInAtList"] != true || b["text"].(map[string]any)["content"] != " 设备报警" {
		t.Errorf("callback = %v", b)
	}
	if hook, _ := b["sessionWebhook"].(string); !strings.HasPrefix(hook, "https://oapi.dingtalk.com/robot/sendBySession?session=") {
		t.Errorf("sessionWebhook %q", hook)
	}
	if exp := int64(b["sessionWebhookExpiredTime"].(float64)); time.Until(time.UnixMilli(exp)) < 89*time.Minute {
		t.Errorf("session expires at %d", exp)
	}
	req, _ := cb.Request(context.Background(), m, time.Now().Add(-2*time.Hour))
	cb.Do(req)
	if rv.valid[2] {
		t.Error("a two-hour-old timestamp passed the reference check")
	}
}

func TestMessageDefaultsAndContents(t *testing.T) {
	cb := &Callbacks{RobotCode: "dingbot"}
	single := cb.Message(Message{SenderStaffID: "zhang3", Text: "你好"})
	other := cb.Message(Message{SenderStaffID: "wang5", Text: "你好"})
	if single.ConversationType != "1" || single.ConversationTitle != "" || single.ConversationID == other.ConversationID || single.MsgID == other.MsgID {
		t.Errorf("single chats: %+v / %+v", single, other)
	}
	pic := cb.Message(Message{MsgType: "richText", Content: RichText(RichPart{Text: "现场照片"}, RichPart{PictureCode: "dc-1"})})
	if pic.Text != nil || !strings.Contains(string(pic.Content), `"downloadCode":"dc-1"`) {
		t.Errorf("richText: %+v %s", pic, pic.Content)
	}
	bot := cb.Message(Message{FromRobot: true, Text: "我是机器人"})
	if bot.SenderID != bot.ChatbotUserID || bot.SenderStaffID != "" {
		t.Errorf("robot's own message: %+v", bot)
	}
	external := cb.Message(Message{SenderStaffID: "-", Text: "hi"})
	if external.SenderStaffID != "" || external.SenderID == "" {
		t.Errorf("external contact: %+v", external)
	}
}
