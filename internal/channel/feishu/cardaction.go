package feishu

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

const eventCardAction = "card.action.trigger"

// cardActionEvent is the event of a card.action.trigger callback
// (schema 2.0; SDK event/dispatcher/callback.CardActionTriggerRequest).
type cardActionEvent struct {
	Operator userID `json:"operator"`
	Action   struct {
		Value      map[string]any `json:"value"`
		Tag        string         `json:"tag"`
		Name       string         `json:"name"`
		Option     string         `json:"option"`
		InputValue string         `json:"input_value"`
		Options    []string       `json:"options"`
	} `json:"action"`
	Context struct {
		OpenMessageID string `json:"open_message_id"`
		OpenChatID    string `json:"open_chat_id"`
	} `json:"context"`
}

// cardAnswer is the documented answer to a card callback: a toast the
// clicking user sees at once (and, optionally, a new card; not used).
type cardAnswer struct {
	Toast toast `json:"toast"`
}

type toast struct {
	Type    string            `json:"type"`
	Content string            `json:"content"`
	I18n    map[string]string `json:"i18n"`
}

// received is the toast for a recorded action; Feishu shows the i18n entry
// of the user's client language.
var received = cardAnswer{Toast: toast{Type: "success", Content: "已收到",
	I18n: map[string]string{"zh_cn": "已收到", "en_us": "Received"}}}

// cardAction records a click on a card as an inbound message of kind
// card_action in the card's chat, from the user who clicked, and answers
// with a toast. The event id is the external id: a re-pushed callback is
// the same click, a second click is a new event.
func (c *conn) cardAction(ctx context.Context, eventID string, raw json.RawMessage) (ack, error) {
	var ev cardActionEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return ack{}, errcode.MalformedBody.With("event: %v", err)
	}
	who := cmp.Or(ev.Operator.OpenID, ev.Operator.UserID, ev.Operator.UnionID)
	switch {
	case ev.Context.OpenChatID == "":
		return ack{}, errcode.MissingField.With("event.context.open_chat_id")
	case who == "":
		return ack{}, errcode.MissingField.With("event.operator.open_id")
	}
	now := c.env.Now().UTC()
	env := model.Envelope{ChannelID: c.row.ID, ExternalID: "card_action:" + eventID, ConvID: ev.Context.OpenChatID,
		SenderID: who, Kind: model.KindCardAction, Text: ev.describe(), SentAt: now, ReceivedAt: now}
	acc, err := c.env.Sink.Accept(ctx, env)
	if err != nil {
		return ack{}, err
	}
	return ack{Msg: "success", Duplicate: acc.Duplicate, card: &received}, nil
}

// describe is what was chosen, as a person would say it: the button's
// label when its value carries one, else the option, input or name, else
// the value itself.
func (ev cardActionEvent) describe() string {
	a := ev.Action
	for _, k := range []string{"label", "text", "title"} {
		if s, ok := a.Value[k].(string); ok && s != "" {
			return s
		}
	}
	if s := cmp.Or(a.Option, strings.Join(a.Options, ", "), a.InputValue); s != "" {
		return s
	}
	if len(a.Value) == 0 {
		return cmp.Or(a.Name, a.Tag)
	}
	keys := make([]string, 0, len(a.Value))
	for k := range a.Value {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, a.Value[k])
	}
	return strings.Join(parts, " ")
}
