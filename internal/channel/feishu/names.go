package feishu

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// IM events name the sender and the chat by id only, while the inbox shows
// who wrote and in which group. So the first message from a sender or in a
// chat looks the name up (contact v3, im/v1/chats) and later ones take it
// from this cache: one or two API calls per new sender or chat, within a
// small budget, never a failed callback. A name the app may not read is
// remembered as unknown for a while so a missing scope costs nothing per
// message; the background enrichment still fills the person's profile.
const (
	nameTTL      = 6 * time.Hour
	unknownTTL   = 10 * time.Minute
	lookupBudget = 800 * time.Millisecond
	maxNames     = 20000
)

type nameCache struct {
	mu      sync.Mutex
	entries map[string]nameEntry // "u:"+open_id, "c:"+chat_id
}

type nameEntry struct {
	name  string
	until time.Time
}

func (n *nameCache) get(key string, now time.Time) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.entries[key]
	if !ok || now.After(e.until) {
		return "", false
	}
	return e.name, true
}

func (n *nameCache) put(key, name string, until time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.entries == nil || len(n.entries) >= maxNames {
		n.entries = make(map[string]nameEntry) // crude, but bounded: names are cheap to fetch again
	}
	n.entries[key] = nameEntry{name, until}
}

// fillNames sets env's sender name and, for group chats, its title.
func (c *conn) fillNames(ctx context.Context, env *model.Envelope, group bool) {
	ctx, cancel := context.WithTimeout(ctx, lookupBudget)
	defer cancel()
	env.SenderName = c.cachedName(ctx, "u:"+env.SenderID, func(ctx context.Context) (string, error) {
		p, err := c.LookupUser(ctx, env.SenderID)
		return p.ProfileName, err
	})
	if group {
		env.ConvTitle = c.cachedName(ctx, "c:"+env.ConvID, func(ctx context.Context) (string, error) {
			return c.chatName(ctx, env.ConvID)
		})
	}
}

func (c *conn) cachedName(ctx context.Context, key string, fetch func(context.Context) (string, error)) string {
	now := c.env.Now()
	if name, ok := c.names.get(key, now); ok {
		return name
	}
	name, err := fetch(ctx)
	switch {
	case err == nil && name != "":
		c.names.put(key, name, now.Add(nameTTL))
	case err == nil, errors.Is(err, channel.ErrNoPermission), errors.Is(err, channel.ErrNoProfile), errors.Is(err, channel.ErrPermanent):
		c.names.put(key, "", now.Add(unknownTTL))
	}
	// Other errors (timeout, platform down) are not remembered: the next
	// message tries again.
	return name
}

// chatName reads a chat's name: GET /open-apis/im/v1/chats/:chat_id.
func (c *conn) chatName(ctx context.Context, chatID string) (string, error) {
	var out struct {
		Name string `json:"name"`
	}
	err := c.lookup(ctx, "/open-apis/im/v1/chats/"+url.PathEscape(chatID), &out)
	return out.Name, err
}
