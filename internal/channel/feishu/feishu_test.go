package feishu

import (
	"encoding/json"
	"testing"

	"switchboard/internal/errcode"
)

func TestPrepareValidatesSettings(t *testing.T) {
	base := func(kv ...string) map[string]string {
		s := map[string]string{"app_id": "cli_a", "app_secret": "sec", "verification_token": "vt"}
		for i := 0; i+1 < len(kv); i += 2 {
			s[kv[i]] = kv[i+1]
		}
		return s
	}
	cases := []struct {
		name     string
		settings map[string]string
		code     string
	}{
		{"minimal", base(), ""},
		{"lark", base("base_url", LarkBaseURL+"/"), ""},
		{"no app id", base("app_id", ""), errcode.MissingField.Code},
		{"no secret", base("app_secret", " "), errcode.MissingField.Code},
		{"no token", base("verification_token", ""), errcode.MissingField.Code},
		{"bad base url", base("base_url", "open.feishu.cn"), errcode.InvalidRequest.Code},
		{"long connection", base("mode", "long_connection", "verification_token", ""), ""},
		{"callback needs the token", base("mode", "callback", "verification_token", ""), errcode.MissingField.Code},
		{"unknown mode", base("mode", "websocket"), errcode.InvalidRequest.Code},
		{"misspelt setting", base("encryptkey", "k"), errcode.InvalidRequest.Code},
		{"bad send_as", base("send_as", "html"), errcode.InvalidRequest.Code},
	}
	for _, c := range cases {
		raw, reveal, err := Driver{}.Prepare(c.settings)
		if c.code != "" {
			if errcode.From(err).Code != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
			continue
		}
		var cfg Config
		if err != nil || json.Unmarshal(raw, &cfg) != nil || len(reveal) != 0 {
			t.Errorf("%s: %v %v", c.name, err, reveal)
		}
		if (cfg.Mode != ModeCallback && c.settings["mode"] == "") || cfg.SendAs != "text" || (cfg.BaseURL != FeishuBaseURL && cfg.BaseURL != LarkBaseURL) {
			t.Errorf("%s: defaults %+v", c.name, cfg)
		}
	}
}
