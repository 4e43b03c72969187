package dingtalk

import (
	"context"
	"encoding/json"
	"time"
)

// cardMemory is how long a card's conversation is kept for its clicks:
// ticket cards are answered within days; a later click falls back to the
// card's space.
const cardMemory = 30 * 24 * time.Hour

// cardKey names a card's row among the conversations' routes; DingTalk's
// conversation ids never start with "card:".
func cardKey(outTrackID string) string { return "card:" + outTrackID }

// saveCard writes the conversation a card went to, so a click coming to
// another node, or after a restart, lands in that conversation and not in
// the card's space (for a card in a one-to-one chat, the user, which is
// another conversation). Best effort, like saveRoute: the card is sent.
func (c *conn) saveCard(ctx context.Context, outTrackID, dest string) {
	if c.env.Routes == nil {
		return
	}
	_ = c.env.Routes.SaveSessionRoute(ctx, c.row.ID, cardKey(outTrackID), []byte(dest), c.env.Now().Add(cardMemory))
}

// loadCard reads a card's conversation from the store.
func (c *conn) loadCard(ctx context.Context, outTrackID string) (string, bool) {
	if c.env.Routes == nil {
		return "", false
	}
	b, exp, err := c.env.Routes.SessionRoute(ctx, c.row.ID, cardKey(outTrackID))
	if err != nil || len(b) == 0 || c.env.Now().After(exp) {
		return "", false
	}
	return string(b), true
}

// storedRoute is a route as the store keeps it (sealed, see
// store.SessionRoutes).
type storedRoute struct {
	Group   bool   `json:"group"`
	StaffID string `json:"staff_id,omitempty"`
	Webhook string `json:"webhook,omitempty"`
}

// saveRoute writes a conversation's route for other nodes and restarts.
// It is best effort: a failed write costs only the webhook's shortcut
// elsewhere, never the message, which is already committed.
func (c *conn) saveRoute(ctx context.Context, conv string, rt route) {
	if c.env.Routes == nil {
		return
	}
	b, _ := json.Marshal(storedRoute{Group: rt.group, StaffID: rt.staffID, Webhook: rt.webhook})
	_ = c.env.Routes.SaveSessionRoute(ctx, c.row.ID, conv, b, rt.expires)
}

// loadRoute reads a conversation's route from the store into memory,
// when this node has none with a live webhook: another node (or this one
// before a restart) may have heard from it since.
func (c *conn) loadRoute(ctx context.Context, conv string) {
	if c.env.Routes == nil {
		return
	}
	b, exp, err := c.env.Routes.SessionRoute(ctx, c.row.ID, conv)
	var sr storedRoute
	if err != nil || json.Unmarshal(b, &sr) != nil {
		return
	}
	rt := route{group: sr.Group, staffID: sr.StaffID}
	if sr.Webhook != "" && c.trustedWebhook(sr.Webhook) {
		rt.webhook, rt.expires = sr.Webhook, exp
	}
	c.routes.loaded(conv, rt)
}
