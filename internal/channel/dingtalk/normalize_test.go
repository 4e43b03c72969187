package dingtalk

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

func TestMessageBodiesAreNormalized(t *testing.T) {
	att := func(code, name string) model.Attachment {
		return model.Attachment{Name: name, URL: "dingtalk-download-code:" + code}
	}
	cases := []struct {
		name, msgType string
		content       json.RawMessage
		kind          model.MessageKind
		text          string
		atts          []model.Attachment
	}{
		{"richText", "richText", simdingtalk.RichText(simdingtalk.RichPart{Text: "现场照片如下 "}, simdingtalk.RichPart{PictureCode: "dc-1"},
			simdingtalk.RichPart{Text: "请尽快处理"}), model.KindText, "现场照片如下\n请尽快处理", []model.Attachment{att("dc-1", "picture")}},
		{"picture", "picture", simdingtalk.Picture("dc-2"), model.KindImage, "", []model.Attachment{att("dc-2", "picture")}},
		{"file", "file", simdingtalk.File("报价单.xlsx", "dc-3"), model.KindFile, "报价单.xlsx", []model.Attachment{att("dc-3", "报价单.xlsx")}},
		{"audio", "audio", simdingtalk.Audio("dc-4", "三号线停机了", 3*time.Second), model.KindVoice, "三号线停机了", []model.Attachment{att("dc-4", "voice")}},
		{"video", "video", simdingtalk.Video("dc-5", 9*time.Second), model.KindVideo, "", []model.Attachment{att("dc-5", "video")}},
		{"other", "interactiveCard", json.RawMessage(`{"x":1}`), model.KindText, "[interactiveCard]", nil},
	}
	for _, tc := range cases {
		kind, text, atts, err := body(robotMessage{MsgType: tc.msgType, Content: tc.content})
		if err != nil || kind != tc.kind || text != tc.text || !reflect.DeepEqual(atts, tc.atts) {
			t.Errorf("%s: %q %q %+v %v", tc.name, kind, text, atts, err)
		}
	}
}

func TestExternalContactIsIdentifiedBySenderID(t *testing.T) {
	c := &conn{row: model.Channel{ID: 1}}
	c.env.Now = time.Now
	cb := &simdingtalk.Callbacks{RobotCode: "ding"}
	raw, _ := json.Marshal(cb.Message(simdingtalk.Message{SenderStaffID: "-", SenderNick: "外部客户", Text: "在吗"}))
	var m robotMessage
	json.Unmarshal(raw, &m)
	env, err := c.envelope(m)
	if err != nil || env.SenderID != m.SenderID || env.SenderID == "" || env.SenderName != "外部客户" {
		t.Errorf("envelope %+v %v", env, err)
	}
}
