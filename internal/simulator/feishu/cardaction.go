package feishu

import (
	"cmp"
	"encoding/json"
)

// EventCardAction is the card callback a user's click on a card raises.
const EventCardAction = "card.action.trigger"

// CardAction is a click (or selection, or input) on an interactive card,
// the input of Callbacks.CardAction. Zero fields get plausible defaults.
type CardAction struct {
	Operator  UserID         // who clicked; default open_id ou_sim_user
	MessageID string         // the card's message (om_…)
	ChatID    string         // default oc_sim_chat
	Tag       string         // button (default), select_static, input…
	Name      string         // the component's name, when it has one
	Value     map[string]any // the button's value as the card declared it
	Option    string         // select_static: the option chosen
	Input     string         // input: what was typed
}

// cardActionBody is the event of card.action.trigger (schema 2.0; the
// SDK's event/dispatcher/callback.CardActionTriggerRequest).
type cardActionBody struct {
	Operator struct {
		TenantKey string `json:"tenant_key"`
		UserID    string `json:"user_id,omitempty"`
		OpenID    string `json:"open_id"`
		UnionID   string `json:"union_id,omitempty"`
	} `json:"operator"`
	Token  string `json:"token"` // for a delayed card update, 30 min
	Action struct {
		Value      map[string]any `json:"value,omitempty"`
		Tag        string         `json:"tag"`
		Name       string         `json:"name,omitempty"`
		Option     string         `json:"option,omitempty"`
		InputValue string         `json:"input_value,omitempty"`
	} `json:"action"`
	Host    string `json:"host"`
	Context struct {
		OpenMessageID string `json:"open_message_id"`
		OpenChatID    string `json:"open_chat_id"`
	} `json:"context"`
}

// CardAction builds a card.action.trigger callback for a.
func (c *Callbacks) CardAction(a CardAction) Event {
	now := c.now()
	tenant := cmp.Or(c.TenantKey, "tenant-sim")
	var b cardActionBody
	b.Operator.TenantKey, b.Operator.OpenID = tenant, cmp.Or(a.Operator.OpenID, "ou_sim_user")
	b.Operator.UserID, b.Operator.UnionID = a.Operator.UserID, a.Operator.UnionID
	b.Token = "c-" + randomHex(20)
	b.Action.Value, b.Action.Tag, b.Action.Name = a.Value, cmp.Or(a.Tag, "button"), a.Name
	b.Action.Option, b.Action.InputValue = a.Option, a.Input
	b.Host = "im_message"
	b.Context.OpenMessageID, b.Context.OpenChatID = a.MessageID, cmp.Or(a.ChatID, "oc_sim_chat")
	raw, _ := json.Marshal(b)
	return Event{Schema: "2.0", Header: header(EventCardAction, c.VerificationToken, c.AppID, tenant, now), Event: raw}
}
