package dingtalk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/internal/channel"
)

// API paths of the robot and card sends (reference §3.4).
const (
	pathBatchSend  = "/v1.0/robot/oToMessages/batchSend"
	pathGroupSend  = "/v1.0/robot/groupMessages/send"
	pathCardCreate = "/v1.0/card/instances/createAndDeliver"
	pathCardUpdate = "/v1.0/card/instances"
)

// flowControlWait holds a 1:1 send DingTalk flow-controlled for that user.
const flowControlWait = time.Minute

// target is where a send goes.
type target struct {
	kind string // "conv", "group", "user" or "webhook"
	id   string
}

// Destination parses an outbound destination: "user:<staffId>" (1:1 with
// the robot), "group:<openConversationId>", "webhook" (the channel's
// custom robot), or a bare conversationId — a conversation the channel
// heard from, answered through its sessionWebhook while valid.
func Destination(dest string) (kind, id string) {
	for _, k := range []string{"user", "group"} {
		if rest, ok := strings.CutPrefix(dest, k+":"); ok {
			return k, rest
		}
	}
	if dest == "webhook" {
		return "webhook", ""
	}
	return "conv", dest
}

// Send posts text to a conversation, a user or a group.
func (c *conn) Send(ctx context.Context, m channel.Outbound) (channel.Receipt, error) {
	kind, id := Destination(m.Destination)
	receipt := channel.Receipt{Destination: m.Destination}
	switch {
	case strings.TrimSpace(m.Text) == "":
		return receipt, channel.Permanent(fmt.Errorf("dingtalk channel %d: empty text", c.row.ID))
	case kind == "webhook" && c.cfg.WebhookToken == "":
		return receipt, channel.Permanent(fmt.Errorf("dingtalk channel %d: destination webhook needs webhook_token", c.row.ID))
	case kind == "webhook":
		return receipt, c.sendCustomRobot(ctx, m.Text)
	case id == "":
		return receipt, channel.Permanent(fmt.Errorf("dingtalk channel %d: empty destination %q", c.row.ID, m.Destination))
	}
	t := target{kind, id}
	if kind == "conv" {
		next, sent, err := c.viaSession(ctx, id, m.Text)
		if sent || err != nil {
			return receipt, err
		}
		t = next
	}
	if c.cfg.SendAs == "card" {
		outTrackID, err := c.createCard(ctx, t, m)
		if err == nil {
			c.cards.note(outTrackID, m.Destination)
			c.saveCard(ctx, outTrackID, m.Destination)
		}
		receipt.ExternalID = outTrackID
		return receipt, err
	}
	key, err := c.sendProactive(ctx, t, m.Text)
	receipt.ExternalID = key
	return receipt, err
}

// viaSession answers a conversation through its sessionWebhook when one
// is live (plain text only: cards must be created through the card API to
// be updatable), and otherwise says which proactive target to use.
// Conversations neither this node nor the store (another node, or before
// a restart) has heard from are taken for groups: their conversationId
// is the openConversationId.
func (c *conn) viaSession(ctx context.Context, conv, text string) (target, bool, error) {
	rt, known, live := c.routes.get(conv)
	if !live {
		c.loadRoute(ctx, conv)
		rt, known, live = c.routes.get(conv)
	}
	if live && c.cfg.SendAs == "text" {
		err := c.replyInSession(ctx, rt.webhook, text)
		if !errors.Is(err, errSessionRefused) {
			return target{}, err == nil, err
		}
		c.routes.dropWebhook(conv, rt.webhook)
	}
	if known && !rt.group {
		if rt.staffID == "" {
			return target{}, false, channel.Permanent(fmt.Errorf("dingtalk channel %d: 1:1 chat %s with no staffId (an external contact) and no live session webhook", c.row.ID, conv))
		}
		return target{"user", rt.staffID}, false, nil
	}
	return target{"group", conv}, false, nil
}

// sendProactive sends text through the robot's proactive APIs and
// returns the processQueryKey.
func (c *conn) sendProactive(ctx context.Context, t target, text string) (string, error) {
	param, _ := json.Marshal(map[string]string{"content": text})
	body := map[string]any{"robotCode": c.cfg.RobotCode, "msgKey": "sampleText", "msgParam": string(param)}
	var out struct {
		ProcessQueryKey string   `json:"processQueryKey"`
		Invalid         []string `json:"invalidStaffIdList"`
		FlowControlled  []string `json:"flowControlledStaffIdList"`
	}
	if t.kind == "group" {
		body["openConversationId"] = t.id
		err := c.call(ctx, "POST", pathGroupSend, body, &out)
		return out.ProcessQueryKey, err
	}
	body["userIds"] = []string{t.id}
	if err := c.call(ctx, "POST", pathBatchSend, body, &out); err != nil {
		return "", err
	}
	return out.ProcessQueryKey, c.userOutcome(t.id, out.Invalid, out.FlowControlled)
}

// userOutcome reads a 200 batchSend answer for one user: listed as
// invalid is permanent, as flow-controlled is retry-later.
func (c *conn) userOutcome(staffID string, invalid, flowControlled []string) error {
	var err error
	switch {
	case slices.Contains(invalid, staffID):
		err = channel.Permanent(fmt.Errorf("dingtalk: staffId %s is not reachable by this robot (invalidStaffIdList)", staffID))
	case slices.Contains(flowControlled, staffID):
		err = &channel.RetryAfterError{After: flowControlWait, Err: fmt.Errorf("dingtalk: staffId %s is flow-controlled", staffID)}
	default:
		return nil
	}
	c.noteSendErr(err)
	return err
}

// OutTrackID is a card's idempotent id: a hash of the delivery's key, so a
// retry after a lost answer names the same card instead of a second one.
func OutTrackID(idemKey string) string {
	if idemKey == "" {
		b := make([]byte, 16)
		rand.Read(b)
		return "sb-" + hex.EncodeToString(b)
	}
	sum := sha256.Sum256([]byte("switchboard/dingtalk/" + idemKey))
	return "sb-" + hex.EncodeToString(sum[:16])
}

// createCard creates and delivers a card from the channel's template,
// its "content" variable holding the text, and returns its outTrackId.
func (c *conn) createCard(ctx context.Context, t target, m channel.Outbound) (string, error) {
	id := OutTrackID(m.IdemKey)
	body := map[string]any{"cardTemplateId": c.cfg.CardTemplateID, "outTrackId": id,
		"cardData": map[string]any{"cardParamMap": map[string]string{"content": m.Text}}}
	if c.cfg.Mode == "stream" { // clicks come back as card callbacks over Stream
		body["callbackType"] = "STREAM"
	}
	if t.kind == "group" {
		body["openSpaceId"] = "dtv1.card//IM_GROUP." + t.id
		body["imGroupOpenDeliverModel"] = map[string]string{"robotCode": c.cfg.RobotCode}
	} else {
		body["openSpaceId"] = "dtv1.card//IM_ROBOT." + t.id
		// robotCode is not in the reference's shape; sent as the SDK
		// models have it, harmless where ignored.
		body["imRobotOpenDeliverModel"] = map[string]string{"spaceType": "IM_ROBOT", "robotCode": c.cfg.RobotCode}
	}
	return id, c.call(ctx, "POST", pathCardCreate, body, nil)
}

// Update replaces a sent card's content in place by its outTrackId. Plain
// messages cannot be edited on DingTalk, so a text channel answers
// ErrUnsupported.
func (c *conn) Update(ctx context.Context, r channel.Receipt, m channel.Outbound) error {
	if c.cfg.SendAs != "card" {
		return channel.ErrUnsupported
	}
	if r.ExternalID == "" {
		return channel.Permanent(fmt.Errorf("dingtalk channel %d: update without an outTrackId", c.row.ID))
	}
	return c.call(ctx, "PUT", pathCardUpdate, map[string]any{"outTrackId": r.ExternalID,
		"cardData":          map[string]any{"cardParamMap": map[string]string{"content": m.Text}},
		"cardUpdateOptions": map[string]bool{"updateCardDataByKey": true}}, nil)
}
