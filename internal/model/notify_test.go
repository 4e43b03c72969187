package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestNotifySettingsDigestIntervalIsReadable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{`{"digest_every":"2h"}`, 2 * time.Hour, true},
		{`{"digest_every":"30m"}`, 30 * time.Minute, true},
		{`{"digest_every":3600000000000}`, time.Hour, true},
		{`{}`, 0, true},
		{`{"digest_every":"soon"}`, 0, false},
	} {
		var s NotifySettings
		err := json.Unmarshal([]byte(tc.in), &s)
		if (err == nil) != tc.ok || s.DigestEvery != tc.want {
			t.Errorf("%s: %v, %v; want %v ok=%v", tc.in, s.DigestEvery, err, tc.want, tc.ok)
		}
	}
	out, _ := json.Marshal(NotifySettings{DigestEvery: 90 * time.Minute, Chain: []NotifyHop{}})
	if !strings.Contains(string(out), `"digest_every":"1h30m"`) {
		t.Errorf("marshalled %s", out)
	}
}
