package dingtalk

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/card"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/event"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// botAck is the documented answer to a bot message frame.
const botAck = `{"response":null}`

// onBotFrame takes a robot message pushed over Stream. Its data is the
// HTTP callback's JSON, so it goes through the same code (message): the
// SDK's chatbot model would drop robotCode and the typed content of
// pictures and files. The ack (code 200) is written only after the
// commit; a refusal or a failed commit answers 500.
func (c *conn) onBotFrame(ctx context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
	var m robotMessage
	if err := json.Unmarshal([]byte(df.Data), &m); err != nil {
		return nil, c.refuse(errcode.MalformedBody.With("bot message frame: %v", err))
	}
	if _, err := c.message(ctx, m); err != nil {
		return nil, c.refuse(err)
	}
	c.noteOK(true)
	resp := payload.NewSuccessDataFrameResponse()
	resp.SetData(botAck)
	return resp, nil
}

// refuse counts an inbound frame that could not be stored, like a
// refused callback.
func (c *conn) refuse(err error) error {
	if e := errcode.From(err); c.env.Rejected != nil && e.Reason != "" {
		c.env.Rejected(Kind, e.Reason)
	}
	c.noteRefused(err)
	return err
}

// onEvent acknowledges event subscription events as the HTTP callback
// does: none has a consumer yet, so none is stored, and SUCCESS is the
// truth. (The SDK answers LATER for an error, which makes DingTalk push
// the event again.)
func (c *conn) onEvent(context.Context, *event.EventHeader, []byte) (event.EventProcessStatusType, error) {
	c.noteOK(true)
	return event.EventProcessStatusKSuccess, nil
}

// frameIDKey carries a frame's messageId to the card handler, which the
// SDK gives only the decoded request.
type frameIDKey struct{}

// onCardAction records a click on one of this channel's cards as an
// inbound message of kind card_action, from the clicking user, in the
// card's conversation; the answer leaves the card as it is.
func (c *conn) onCardAction(ctx context.Context, req *card.CardRequest) (*card.CardResponse, error) {
	if req.OutTrackId == "" || req.UserId == "" {
		return nil, c.refuse(errcode.MissingField.With("card callback: outTrackId and userId"))
	}
	value, _ := json.Marshal(req.CardActionData.CardPrivateData)
	id, _ := ctx.Value(frameIDKey{}).(string)
	if id == "" { // no messageId: the same click always hashes the same
		sum := sha256.Sum256([]byte(req.OutTrackId + "\x00" + req.UserId + "\x00" + req.Content))
		id = hex.EncodeToString(sum[:12])
	}
	now := c.env.Now().UTC()
	env := model.Envelope{ChannelID: c.row.ID, ExternalID: "card_action:" + id, ConvID: c.cardConv(ctx, req), SenderID: req.UserId,
		Kind: model.KindCardAction, Text: string(value), SentAt: now, ReceivedAt: now}
	if _, err := c.env.Sink.Accept(ctx, env); err != nil {
		return nil, err
	}
	c.noteOK(true)
	return nil, nil
}

// cardConv is the conversation a card was sent to: known from Send, on
// this node or (through the store) on another or before a restart;
// otherwise the group of an IM_GROUP card, or the robot chat with the
// user of an IM_ROBOT card.
func (c *conn) cardConv(ctx context.Context, req *card.CardRequest) string {
	if conv, ok := c.cards.get(req.OutTrackId); ok {
		return conv
	}
	if conv, ok := c.loadCard(ctx, req.OutTrackId); ok {
		c.cards.note(req.OutTrackId, conv)
		return conv
	}
	if req.SpaceType == "IM_ROBOT" {
		return "user:" + cmp.Or(req.SpaceId, req.UserId)
	}
	return cmp.Or(req.SpaceId, "card:"+req.OutTrackId)
}

// cardConvs remembers, per outTrackId, the destination a card was sent
// to, bounded like routes.
type cardConvs struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *cardConvs) note(outTrackID, dest string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	if len(k.m) >= maxRoutes {
		for id := range k.m {
			delete(k.m, id)
			if len(k.m) < maxRoutes-maxRoutes/10 {
				break
			}
		}
	}
	k.m[outTrackID] = dest
}

func (k *cardConvs) get(outTrackID string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[outTrackID]
	return v, ok
}
