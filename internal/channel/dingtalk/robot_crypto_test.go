package dingtalk

import (
	"context"
	"net/http"
	"strings"
	"testing"

	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// With the robot's body encryption on, the callback's JSON arrives sealed
// with the app's aes_key: it is opened and stored; a body that does not
// open, sealed for another app, or sealed while the channel has no key is
// refused with 401 and nothing stored.
func TestEncryptedRobotCallback(t *testing.T) {
	const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	msg := simdingtalk.Message{MsgID: "msgEnc==", ConversationType: "2", ConversationID: "cidEnc==", Title: "加密群",
		SenderStaffID: "li4", SenderNick: "李四", Text: "加密的报警"}
	for _, tc := range []struct {
		name            string
		channelKey      string
		sealKey, sealed string // the simulator's key and receiveid
		wantStored      bool
	}{
		{"opens and stores", aesKey, aesKey, "dingtest", true},
		{"wrong key", aesKey, "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg", "dingtest", false},
		{"another app", aesKey, aesKey, "dingother", false},
		{"channel without a key", "", aesKey, "dingtest", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var extra []string
			if tc.channelKey != "" {
				extra = []string{"token", "tok", "aes_key", tc.channelKey}
			}
			f := newHookFixture(t, extra...)
			f.cb.AESKey, f.cb.RobotCode = tc.sealKey, tc.sealed
			a, err := f.cb.Post(context.Background(), f.cb.Message(msg))
			if err != nil {
				t.Fatal(err)
			}
			stored := f.sink.stored()
			if tc.wantStored {
				if a.Status != http.StatusOK || len(stored) != 1 || stored[0].Text != "加密的报警" || stored[0].ConvTitle != "加密群" {
					t.Errorf("answer %d %s, stored %+v", a.Status, a.Body, stored)
				}
				return
			}
			if a.Status != http.StatusUnauthorized || !strings.Contains(a.Body, "SB-1001") || len(stored) != 0 {
				t.Errorf("answer %d %s, stored %d; want 401 SB-1001 and nothing stored", a.Status, a.Body, len(stored))
			}
		})
	}
}
