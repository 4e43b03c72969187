package feishu

import (
	"cmp"
	"encoding/json"
	"time"
)

// EventMessageRead is the event Feishu pushes when a user reads messages
// the app sent them.
const EventMessageRead = "im.message.message_read_v1"

// readBody is the event body of im.message.message_read_v1.
type readBody struct {
	Reader struct {
		ReaderID  UserID `json:"reader_id"`
		ReadTime  string `json:"read_time"` // unix milliseconds
		TenantKey string `json:"tenant_key"`
	} `json:"reader"`
	MessageIDList []string `json:"message_id_list"`
}

// MessagesRead builds the im.message.message_read_v1 event Feishu pushes
// when reader has read the app's messages messageIDs (as Sent lists them)
// at at (zero: now).
func (c *Callbacks) MessagesRead(reader UserID, at time.Time, messageIDs ...string) Event {
	now := c.now()
	if at.IsZero() {
		at = now
	}
	tenant := cmp.Or(c.TenantKey, "tenant-sim")
	var ev readBody
	ev.Reader.ReaderID, ev.Reader.ReadTime, ev.Reader.TenantKey = reader, ms(at), tenant
	ev.MessageIDList = messageIDs
	b, _ := json.Marshal(ev)
	return Event{Schema: "2.0", Header: header(EventMessageRead, c.VerificationToken, c.AppID, tenant, now), Event: b}
}
