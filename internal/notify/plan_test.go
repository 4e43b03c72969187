package notify

import (
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
)

func TestDecide(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	night := time.Date(2026, 12, 2, 23, 30, 0, 0, cst) // inside 22:00–08:00
	day := time.Date(2026, 12, 2, 10, 15, 0, 0, cst)
	quiet := model.NotifySettings{QuietFrom: "22:00", QuietTo: "08:00", TZ: "Asia/Shanghai"}
	urgent := model.NotifyRequest{Mode: model.NotifyNow, Urgent: true}
	p1 := model.NotifyRequest{Mode: model.NotifyDigest, Priority: "P1"}
	now := model.NotifyRequest{Mode: model.NotifyNow}
	digest := model.NotifyRequest{Mode: model.NotifyDigest, DigestInterval: 2 * time.Hour}
	for _, tc := range []struct {
		name    string
		req     model.NotifyRequest
		s       model.NotifySettings
		at      time.Time
		wantNow bool
		wantDue time.Time
	}{
		{"urgent at night breaks through quiet hours", urgent, quiet, night, true, time.Time{}},
		{"P1 breaks through do-not-disturb", p1, model.NotifySettings{DND: true}, day, true, time.Time{}},
		{"now by day goes at once", now, quiet, day, true, time.Time{}},
		{"now at night waits for 08:00", now, quiet, night, false, time.Date(2026, 12, 3, 8, 0, 0, 0, cst)},
		{"now after midnight waits for 08:00 the same day", now, quiet, time.Date(2026, 12, 3, 1, 0, 0, 0, cst), false, time.Date(2026, 12, 3, 8, 0, 0, 0, cst)},
		{"now under do-not-disturb waits for the digest", now, model.NotifySettings{DND: true}, day, false, time.Date(2026, 12, 2, 12, 0, 0, 0, cst)},
		{"digest goes at the next even hour, Beijing time", digest, model.NotifySettings{}, day, false, time.Date(2026, 12, 2, 12, 0, 0, 0, cst)},
		{"a personal interval wins over the rule's", digest, model.NotifySettings{DigestEvery: time.Hour}, day, false, time.Date(2026, 12, 2, 11, 0, 0, 0, cst)},
		{"no interval anywhere: every 2 h", model.NotifyRequest{Mode: model.NotifyDigest}, model.NotifySettings{}, day, false, time.Date(2026, 12, 2, 12, 0, 0, 0, cst)},
	} {
		d := decide(tc.req, tc.s, tc.at)
		if d.now != tc.wantNow || !d.due.Equal(tc.wantDue) {
			t.Errorf("%s: now=%v due=%v (%s), want now=%v due=%v", tc.name, d.now, d.due.In(cst), d.reason, tc.wantNow, tc.wantDue)
		}
	}
}

func TestValidateSettings(t *testing.T) {
	for _, tc := range []struct {
		s  model.NotifySettings
		ok bool
	}{
		{model.NotifySettings{QuietFrom: "22:00", QuietTo: "07:30", TZ: "Asia/Shanghai", Chain: []model.NotifyHop{{ChannelID: 1, Destination: "u"}}}, true},
		{model.NotifySettings{QuietFrom: "22:00"}, false},
		{model.NotifySettings{QuietFrom: "25:00", QuietTo: "07:00"}, false},
		{model.NotifySettings{TZ: "Mars/Olympus"}, false},
		{model.NotifySettings{Chain: []model.NotifyHop{{ChannelID: 1}}}, false},
		{model.NotifySettings{DigestEvery: time.Second}, false},
	} {
		if err := ValidateSettings(tc.s); (err == nil) != tc.ok {
			t.Errorf("ValidateSettings(%+v) = %v, want ok=%v", tc.s, err, tc.ok)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{2 * time.Hour: "2h", time.Minute: "1m", 90 * time.Minute: "1h30m", 45 * time.Second: "45s"} {
		if got := model.ShortDuration(d); got != want {
			t.Errorf("short(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestOrderChainFollowsTheRule(t *testing.T) {
	feishu, mail, sms := model.NotifyHop{ChannelID: 1, Destination: "ou_z"}, model.NotifyHop{ChannelID: 2, Destination: "z@acme.cn"}, model.NotifyHop{ChannelID: 3, Destination: "+86138"}
	person := []model.NotifyHop{feishu, mail, sms}
	for _, tc := range []struct {
		via  []int64
		want []model.NotifyHop
	}{
		{nil, person},
		{[]int64{3, 2}, []model.NotifyHop{sms, mail, feishu}},
		{[]int64{9, 2}, []model.NotifyHop{mail, feishu, sms}}, // a channel the person is not on is skipped
	} {
		if got := orderChain(person, tc.via); !slices.Equal(got, tc.want) {
			t.Errorf("via %v: %v, want %v", tc.via, got, tc.want)
		}
	}
}
