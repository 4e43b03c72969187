package feishu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"switchboard/internal/channel"
)

const pathMessages = "/open-apis/im/v1/messages"

// receiveIDTypes are the Destination prefixes ("open_id:ou_…") naming
// what the id is; a bare id is a chat_id.
var receiveIDTypes = []string{"chat_id", "open_id", "user_id", "union_id", "email"}

// Destination splits an outbound destination into Feishu's receive_id_type
// and receive_id. Unprefixed ids are chats, except that ou_/on_ ids and
// addresses with "@" can only be users, so those need no prefix.
func Destination(dest string) (idType, id string) {
	for _, t := range receiveIDTypes {
		if rest, ok := strings.CutPrefix(dest, t+":"); ok {
			return t, rest
		}
	}
	switch {
	case strings.HasPrefix(dest, "ou_"):
		return "open_id", dest
	case strings.HasPrefix(dest, "on_"):
		return "union_id", dest
	case strings.Contains(dest, "@"):
		return "email", dest
	}
	return "chat_id", dest
}

// UUID is the send's idempotency field: a hash of the delivery's key, so a
// retry after a lost answer is recognised by Feishu (for an hour) and not
// delivered twice. Feishu allows at most 50 characters.
func UUID(idemKey string) string {
	if idemKey == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("switchboard/feishu/" + idemKey))
	return hex.EncodeToString(sum[:16])
}

// Send posts a message to a chat or user, or as a reply to ReplyTo.
func (c *conn) Send(ctx context.Context, m channel.Outbound) (channel.Receipt, error) {
	msgType, content := c.content(m.Text)
	body := map[string]any{"msg_type": msgType, "content": content}
	if u := UUID(m.IdemKey); u != "" {
		body["uuid"] = u
	}
	var path string
	if m.ReplyTo != "" {
		path = pathMessages + "/" + url.PathEscape(m.ReplyTo) + "/reply"
		body["reply_in_thread"] = c.cfg.ReplyInThread == "true"
	} else {
		idType, id := Destination(m.Destination)
		if id == "" {
			return channel.Receipt{}, channel.Permanent(fmt.Errorf("feishu channel %d: empty destination", c.row.ID))
		}
		path = pathMessages + "?receive_id_type=" + idType
		body["receive_id"] = id
	}
	var out struct {
		MessageID string `json:"message_id"`
	}
	if err := c.call(ctx, "POST", path, body, &out); err != nil {
		return channel.Receipt{}, err
	}
	return channel.Receipt{ExternalID: out.MessageID, Destination: m.Destination}, nil
}

// Update replaces a sent card's content in place. Only cards can be
// updated, so a channel that sends plain text answers ErrUnsupported.
func (c *conn) Update(ctx context.Context, r channel.Receipt, m channel.Outbound) error {
	if c.cfg.SendAs != "card" {
		return channel.ErrUnsupported
	}
	if r.ExternalID == "" {
		return channel.Permanent(fmt.Errorf("feishu channel %d: update without a message id", c.row.ID))
	}
	return c.call(ctx, "PATCH", pathMessages+"/"+url.PathEscape(r.ExternalID), map[string]any{"content": card(m.Text)}, nil)
}

// content is the msg_type and content JSON string for text.
func (c *conn) content(text string) (string, string) {
	if c.cfg.SendAs == "card" {
		return "interactive", card(text)
	}
	b, _ := json.Marshal(map[string]string{"text": text})
	return "text", string(b)
}

// card is a one-block card. update_multi makes it updatable later (and
// shared: every viewer sees the update). plain_text keeps an agent's
// words from being read as card markdown.
func card(text string) string {
	b, _ := json.Marshal(map[string]any{
		"config":   map[string]any{"update_multi": true, "wide_screen_mode": true},
		"elements": []any{map[string]any{"tag": "div", "text": map[string]any{"tag": "plain_text", "content": text}}},
	})
	return string(b)
}
