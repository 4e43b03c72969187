package ticket

import (
	"errors"
	"maps"
	"testing"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// The built-in extractors find what Chinese customers write, with
// half- or full-width colons, and leave alone what is already set.
func TestDefaultExtractors(t *testing.T) {
	if err := CheckExtractors(DefaultExtractors); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	cases := []struct {
		text string
		have map[string]string
		want map[string]string
	}{
		{"设备连不上网，很紧急，订单号 SB20261202", nil, map[string]string{"order_no": "SB20261202"}},
		{"订单号：A1B2-C3D4 请尽快", nil, map[string]string{"order_no": "A1B2-C3D4"}},
		{"Order #SO-778899 missing", nil, map[string]string{"order_no": "SO-778899"}},
		{"我的手机13812345678，邮箱 wang.li@example.cn", nil, map[string]string{"phone": "13812345678", "email": "wang.li@example.cn"}},
		{"电话 123812345678 不是手机号", nil, map[string]string{}},
		{"型号：HUAWEI AX3 Pro，一直掉线", nil, map[string]string{"device_model": "HUAWEI AX3 Pro"}},
		{"订单号 SB99999999", map[string]string{"order_no": "SB1"}, map[string]string{"order_no": "SB1"}},
		{"订单号 123", nil, map[string]string{}}, // too short to be an order number
	}
	for _, c := range cases {
		fields := maps.Clone(c.have)
		if fields == nil {
			fields = map[string]string{}
		}
		Extract(DefaultExtractors, c.text, fields)
		if !maps.Equal(fields, c.want) {
			t.Errorf("%q: fields %v, want %v", c.text, fields, c.want)
		}
	}
}

func TestCheckExtractorsRefusesWhatCannotApply(t *testing.T) {
	for _, ex := range [][]model.TicketExtractor{
		{{Name: "order_no", Pattern: "订单号(["}},
		{{Name: "Order No", Pattern: "x"}},
		{{Name: "a", Pattern: ""}},
		{{Name: "a", Pattern: "x"}, {Name: "a", Pattern: "y"}},
	} {
		if err := CheckExtractors(ex); !errors.Is(err, errcode.BadExtractor) {
			t.Errorf("%+v: %v, want SB-2110", ex, err)
		}
	}
}
