package dingtalk

import (
	"cmp"
	"encoding/json"
	"testing"

	"switchboard/internal/errcode"
)

const testAESKey = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij" // the documentation's example key

func TestPrepareValidatesSettings(t *testing.T) {
	base := func(kv ...string) map[string]string {
		s := map[string]string{"app_key": "dingabc", "app_secret": "sec"}
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
		{"events", base("token", "tok", "aes_key", testAESKey), ""},
		{"cards", base("send_as", "card", "card_template_id", "tpl.schema"), ""},
		{"custom robot", base("webhook_token", "t", "webhook_secret", "SECx"), ""},
		{"no app key", base("app_key", ""), errcode.MissingField.Code},
		{"no secret", base("app_secret", " "), errcode.MissingField.Code},
		{"token without aes_key", base("token", "tok"), errcode.InvalidRequest.Code},
		{"short aes_key", base("token", "tok", "aes_key", "abc"), errcode.InvalidRequest.Code},
		{"bad base url", base("base_url", "api.dingtalk.com"), errcode.InvalidRequest.Code},
		{"bad oapi url", base("oapi_base_url", "ftp://x"), errcode.InvalidRequest.Code},
		{"stream", base("mode", "stream"), ""},
		{"unknown mode", base("mode", "websocket"), errcode.InvalidRequest.Code},
		{"card without template", base("send_as", "card"), errcode.MissingField.Code},
		{"bad send_as", base("send_as", "html"), errcode.InvalidRequest.Code},
		{"webhook secret alone", base("webhook_secret", "SECx"), errcode.InvalidRequest.Code},
		{"misspelt setting", base("aeskey", testAESKey), errcode.InvalidRequest.Code},
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
			continue
		}
		if cfg.Mode != cmp.Or(c.settings["mode"], "callback") || cfg.RobotCode != "dingabc" || cfg.BaseURL != APIBaseURL || cfg.OAPIBaseURL != OAPIBaseURL {
			t.Errorf("%s: defaults %+v", c.name, cfg)
		}
	}
}
