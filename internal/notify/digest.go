package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// flushDigests sends every due held notification, one digest per user,
// and reports whether it enqueued anything.
func (e *Engine) flushDigests(ctx context.Context) bool {
	now := e.clock()
	held, err := e.st.ClaimHeld(ctx, e.cfg.Owner, now, now.Add(e.cfg.Lease), 1000)
	if err != nil {
		e.log.Warn("claim held notifications", "err", err)
		return false
	}
	byUser := map[int64][]model.Notification{}
	for _, n := range held {
		byUser[n.UserID] = append(byUser[n.UserID], n)
	}
	sent := false
	for uid, ns := range byUser {
		if err := e.flushUser(ctx, uid, ns); err != nil {
			// The lease runs out and the digest is tried again.
			e.log.Warn("flush digest", "user", uid, "items", len(ns), "err", err)
			continue
		}
		sent = true
	}
	return sent
}

// flushUser sends one user's due items as one message. Its idempotency key
// is the first item's id, so a retry after a crash that lost the flush
// makes the same delivery, never a second one.
func (e *Engine) flushUser(ctx context.Context, uid int64, ns []model.Notification) error {
	s, _, err := e.settings(ctx, uid)
	if err != nil {
		return err
	}
	if len(s.Chain) == 0 {
		return fmt.Errorf("user %d has no notification channel any more", uid)
	}
	slices.SortFunc(ns, func(a, b model.Notification) int { return cmp.Compare(a.ID, b.ID) })
	msgs := make([]model.Message, 0, len(ns))
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
		m, err := e.st.GetMessage(ctx, store.Scope{All: true}, n.MessageID, 0)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	d := delivery(s.Chain, fmtKey("digest", uid, ids[0]), e.formatDigest(ctx, msgs))
	_, err = e.st.FlushDigest(ctx, ids, *d)
	return err
}

// delivery is a send to the chain's first hop with the rest as fallback.
func delivery(chain []model.NotifyHop, key, text string) *model.Delivery {
	payload, _ := json.Marshal(channel.Outbound{Text: text, SenderName: "Switchboard"})
	return &model.Delivery{ChannelID: chain[0].ChannelID, Destination: chain[0].Destination, IdemKey: key,
		Payload: payload, Fallback: slices.Clone(chain[1:])}
}

func fmtKey(kind string, a, b int64) string { return fmt.Sprintf("%s:%d:%d", kind, a, b) }

// formatOne is the text of an immediate notification.
func (e *Engine) formatOne(ctx context.Context, m model.Message, req model.NotifyRequest) string {
	var b strings.Builder
	switch {
	case req.Breaks():
		b.WriteString("【紧急 Urgent】")
	default:
		b.WriteString("【通知 Notice】")
	}
	fmt.Fprintf(&b, "%s\n%s: %s\n%s", e.where(ctx, m), m.SenderName, shown(m, 500), e.link(m.ConversationID))
	return b.String()
}

// confidentialText stands in for a confidential message's text: a
// notification leaves Switchboard (Feishu, email, SMS…), where the
// console's permission check cannot follow it.
const confidentialText = "【机密 Confidential】内容请在控制台查看 / open it in the console"

// shown is the part of m's text a notification may carry.
func shown(m model.Message, n int) string {
	if m.Confidential {
		return confidentialText
	}
	return excerpt(m.Text, n)
}

// formatDigest groups messages by channel and conversation, with counts.
func (e *Engine) formatDigest(ctx context.Context, msgs []model.Message) string {
	type group struct {
		where string
		conv  int64
		items []model.Message
	}
	var groups []*group
	byConv := map[int64]*group{}
	for _, m := range msgs {
		g := byConv[m.ConversationID]
		if g == nil {
			g = &group{where: e.where(ctx, m), conv: m.ConversationID}
			byConv[m.ConversationID] = g
			groups = append(groups, g)
		}
		g.items = append(g.items, m)
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(a.where, b.where) })
	var b strings.Builder
	fmt.Fprintf(&b, "【消息摘要 Digest】%d 条消息 / %d messages in %d conversations\n", len(msgs), len(msgs), len(groups))
	for _, g := range groups {
		fmt.Fprintf(&b, "\n%s (%d)\n", g.where, len(g.items))
		for i, m := range g.items {
			if i == 5 {
				fmt.Fprintf(&b, "  … +%d\n", len(g.items)-5)
				break
			}
			fmt.Fprintf(&b, "  %s: %s\n", m.SenderName, shown(m, 120))
		}
		fmt.Fprintf(&b, "  %s\n", e.link(g.conv))
	}
	return b.String()
}

// where names a message's channel and conversation, e.g. "[ERP] 生产群".
func (e *Engine) where(ctx context.Context, m model.Message) string {
	name := m.ChannelKind
	if ch, err := e.st.GetChannel(ctx, m.ChannelID); err == nil {
		name = ch.Name
	}
	title := ""
	if c, err := e.st.GetConversation(ctx, store.Scope{All: true}, m.ConversationID); err == nil {
		title = c.Title
	}
	return strings.TrimSpace(fmt.Sprintf("[%s] %s", name, title))
}

func (e *Engine) link(conv int64) string {
	return fmt.Sprintf("%s/conversations/%d", strings.TrimRight(e.cfg.PublicURL, "/"), conv)
}

// excerpt cuts s to at most n runes, never inside a character.
func excerpt(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
