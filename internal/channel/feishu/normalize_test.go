package feishu

import (
	"reflect"
	"testing"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

func TestMessageBodiesAreNormalized(t *testing.T) {
	c := &conn{cfg: Config{BaseURL: "https://open.feishu.cn"}}
	res := func(key, typ, name string) model.Attachment {
		return model.Attachment{Name: name, URL: "https://open.feishu.cn/open-apis/im/v1/messages/om_1/resources/" + key + "?type=" + typ}
	}
	mentions := []mention{{Key: "@_user_1", Name: "张三"}, {Key: "@_all", Name: "所有人"}}
	post := `{"title":"故障报告","content":[[{"tag":"at","user_id":"@_user_1","user_name":"张三"},{"tag":"text","text":" 三号线停机 "},{"tag":"a","href":"https://wiki.example.cn/x","text":"处理手册"}],` +
		`[{"tag":"img","image_key":"img_v2_1"}],[{"tag":"emotion","emoji_type":"SOB"},{"tag":"media","file_key":"file_v3_9","image_key":"img_c"}],[{"tag":"hr"}]]}`
	cases := []struct {
		name, msgType, content string
		kind                   model.MessageKind
		text                   string
		atts                   []model.Attachment
	}{
		{"text with mentions", "text", `{"text":"@_user_1 @_all 请看一下"}`, model.KindText, "@张三 @所有人 请看一下", nil},
		{"post", "post", post, model.KindText, "故障报告\n@张三 三号线停机 处理手册 (https://wiki.example.cn/x)\n[SOB]\n---",
			[]model.Attachment{res("img_v2_1", "image", "img_v2_1"), res("file_v3_9", "file", "file_v3_9")}},
		{"post per language", "post", `{"en_us":{"title":"t","content":[[{"tag":"text","text":"en"}]]},"zh_cn":{"title":"标题","content":[[{"tag":"text","text":"中文"}]]}}`,
			model.KindText, "标题\n中文", nil},
		{"image", "image", `{"image_key":"img_v2_7"}`, model.KindImage, "", []model.Attachment{res("img_v2_7", "image", "img_v2_7")}},
		{"file", "file", `{"file_key":"file_v2_1","file_name":"报价单.xlsx"}`, model.KindFile, "报价单.xlsx", []model.Attachment{res("file_v2_1", "file", "报价单.xlsx")}},
		{"audio", "audio", `{"file_key":"file_a","duration":3000}`, model.KindVoice, "", []model.Attachment{res("file_a", "file", "file_a.opus")}},
		{"media", "media", `{"file_key":"file_m","image_key":"img_m","file_name":"现场.mp4"}`, model.KindVideo, "现场.mp4", []model.Attachment{res("file_m", "file", "现场.mp4")}},
		{"sticker", "sticker", `{"file_key":"file_s"}`, model.KindText, "[sticker]", nil},
	}
	for _, tc := range cases {
		kind, text, atts, err := c.body("om_1", tc.msgType, tc.content, mentions)
		if err != nil || kind != tc.kind || text != tc.text || !reflect.DeepEqual(atts, tc.atts) {
			t.Errorf("%s: %q %q %+v %v", tc.name, kind, text, atts, err)
		}
	}
}

func TestMalformedContentIsRefused(t *testing.T) {
	c := &conn{}
	for _, tc := range []struct{ msgType, content string }{{"text", "plain"}, {"post", `[1]`}, {"image", ""}} {
		if _, _, _, err := c.body("om_1", tc.msgType, tc.content, nil); errcode.From(err).Code != errcode.MalformedBody.Code {
			t.Errorf("%s %q: %v", tc.msgType, tc.content, err)
		}
	}
}
