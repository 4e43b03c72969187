package feishu

import (
	"encoding/json"
	"testing"
	"time"
)

// The read event carries the reader, the read time in milliseconds and
// the message ids, under a fresh event id, as Feishu pushes it.
func TestMessagesReadEvent(t *testing.T) {
	c := &Callbacks{AppID: "cli_a", VerificationToken: "vt"}
	at := time.UnixMilli(1764650000123)
	ev := c.MessagesRead(UserID{OpenID: "ou_1"}, at, "om_1", "om_2")
	var body struct {
		Reader struct {
			ReaderID struct {
				OpenID string `json:"open_id"`
			} `json:"reader_id"`
			ReadTime string `json:"read_time"`
		} `json:"reader"`
		MessageIDList []string `json:"message_id_list"`
	}
	if err := json.Unmarshal(ev.Event, &body); err != nil {
		t.Fatal(err)
	}
	if ev.Schema != "2.0" || ev.Header.EventType != "im.message.message_read_v1" || ev.Header.Token != "vt" || ev.Header.EventID == "" ||
		body.Reader.ReaderID.OpenID != "ou_1" || body.Reader.ReadTime != "1764650000123" || len(body.MessageIDList) != 2 {
		t.Errorf("event = %+v, body %+v", ev.Header, body)
	}
	if again := c.MessagesRead(UserID{OpenID: "ou_1"}, at, "om_1"); again.Header.EventID == ev.Header.EventID {
		t.Error("two read events share an event id")
	}
}
