package similar

import (
	"testing"
)

// Thresholds the ticket service uses by default; the table says which side
// of them a pair must fall.
const (
	suggestAt = 0.4
	linkAt    = 0.65
)

func TestScore(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       string // "link", "suggest" (between), "apart" (below suggest)
	}{
		{"same problem, other words", "设备连不上网，很紧急", "我的设备也连不上网了", "link"},
		{"same problem, short", "设备连不上网，很紧急", "我的设备也连不上网，急", "link"},
		{"full-width and punctuation", "ＶＰＮ连不上！！", "vpn 连不上", "link"},
		{"different need", "设备连不上网，很紧急", "发票什么时候开", "apart"},
		{"politeness only shared", "你好，请问发票什么时候开", "你好，请问设备怎么重启", "apart"},
		{"same device, other fault", "打印机卡纸", "打印机没墨了", "suggest"},
		{"english same", "The printer is not printing", "my printer does not print", "link"},
		{"english different", "The printer is not printing", "please reset my password", "apart"},
		{"english stop words only", "it is what it is", "this is it", "apart"},
		{"mixed", "VPN 连接不上，急", "vpn连接不上了", "link"},
		{"mixed partly", "VPN 连接不上", "VPN 连不上了", "suggest"},
		{"mixed different", "VPN 连接不上", "VPN 账号过期", "apart"},
		{"empty", "", "设备连不上网", "apart"},
		{"each with its own order number", "设备连不上网，很紧急，订单号 SB20261202", "我的设备也连不上网了，急，订单号：SB20260001", "link"},
		{"same phone, other needs", "手机号 13800138000 发票什么时候开", "手机号 13800138000 设备怎么重启", "apart"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(tc.a, tc.b)
			if back := Score(tc.b, tc.a); back != got {
				t.Fatalf("Score is not symmetric: %v vs %v", got, back)
			}
			side := "apart"
			switch {
			case got >= linkAt:
				side = "link"
			case got >= suggestAt:
				side = "suggest"
			}
			if side != tc.want {
				t.Errorf("Score(%q, %q) = %.2f (%s), want %s", tc.a, tc.b, got, side, tc.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"我的设备也连不上网了", []string{"设备", "连不", "不上", "上网"}},
		{"急！", []string{"急"}},
		{"ＨＥＬＬＯ　Printers，OK", []string{"printer", "ok"}},
		{"“发票”：开了吗？", []string{"发票", "开"}},
	}
	for _, tc := range tests {
		got := Tokens(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("Tokens(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for _, w := range tc.want {
			if got[w] == 0 {
				t.Errorf("Tokens(%q) = %v, missing %q", tc.in, got, w)
			}
		}
	}
}
