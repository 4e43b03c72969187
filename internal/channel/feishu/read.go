package feishu

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
)

// eventMessageRead is pushed when a user reads messages the app sent
// (scope im:message:readonly; p2p chats).
const eventMessageRead = "im.message.message_read_v1"

// readEvent is the event body of im.message.message_read_v1.
type readEvent struct {
	Reader struct {
		ReaderID struct {
			OpenID string `json:"open_id"`
		} `json:"reader_id"`
		ReadTime string `json:"read_time"` // unix milliseconds
	} `json:"reader"`
	MessageIDList []string `json:"message_id_list"`
}

// read records a read receipt for the app's messages; without a sink
// that keeps receipts the event is acknowledged and dropped.
func (c *conn) read(ctx context.Context, id string, raw json.RawMessage) (ack, error) {
	var ev readEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return ack{}, errcode.MalformedBody.With("event: %v", err)
	}
	if ev.Reader.ReaderID.OpenID == "" || len(ev.MessageIDList) == 0 {
		return ack{}, errcode.MissingField.With("event.reader.reader_id.open_id and event.message_id_list")
	}
	rs, ok := c.env.Sink.(channel.ReadSink)
	if !ok {
		return ack{Msg: "success", Ignored: "read receipts are not recorded"}, nil
	}
	at := c.env.Now()
	if ms, err := strconv.ParseInt(ev.Reader.ReadTime, 10, 64); err == nil && ms > 0 {
		at = time.UnixMilli(ms)
	}
	err := rs.Read(ctx, channel.ReadReceipt{ChannelID: c.row.ID, Reader: ev.Reader.ReaderID.OpenID, ExternalIDs: ev.MessageIDList, At: at})
	if err != nil {
		return ack{}, err
	}
	c.seen.add(id)
	return ack{Msg: "success"}, nil
}
