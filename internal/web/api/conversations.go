package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

func urlPathEscape(s string) string { return url.PathEscape(s) }

func (a *API) listConversations(w http.ResponseWriter, r *http.Request) {
	var channelID int64
	if v := r.URL.Query().Get("channel_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			a.fail(w, r, errcode.BadCursor.With("channel_id=%q", v))
			return
		}
		channelID = n
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	cs, err := a.Store.ListConversations(r.Context(), principal(r).Scope, channelID, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
}

// GetConversation returns a conversation the caller may see (403 + audit otherwise).
func (a *API) GetConversation(r *http.Request, id int64) (model.Conversation, error) {
	p := principal(r)
	c, err := a.Store.GetConversation(r.Context(), p.Scope, id)
	if !errors.Is(err, store.ErrNotFound) || p.Scope.All {
		return c, err
	}
	if _, err := a.Store.GetConversation(r.Context(), store.Scope{All: true}, id); err != nil {
		return c, err
	}
	a.Audit.Deny(r, "conversation.read", "conversation:"+strconv.FormatInt(id, 10), "outside the caller's org units")
	return c, errcode.Forbidden.With("conversation %d belongs to another department", id)
}

func (a *API) getConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var c model.Conversation
		if c, err = a.GetConversation(r, id); err == nil {
			writeJSON(w, http.StatusOK, c)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) reply(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req struct {
		Text    string `json:"text"`
		ReplyTo string `json:"reply_to"`
	}
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	d, m, err := a.Reply(r, id, req.Text, req.ReplyTo, r.Header.Get("Idempotency-Key"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"message": m, "delivery": d})
}

// Reply stores an outbound message in a conversation and queues its delivery
// in one transaction; the outbox sends it. The console uses it too.
func (a *API) Reply(r *http.Request, convID int64, text, replyTo, idemKey string) (model.Delivery, model.Message, error) {
	ctx := r.Context()
	if strings.TrimSpace(text) == "" {
		return model.Delivery{}, model.Message{}, errcode.MissingField.With("text")
	}
	conv, err := a.GetConversation(r, convID)
	if err != nil {
		return model.Delivery{}, model.Message{}, err
	}
	_, row, err := a.Channels.Get(ctx, conv.ChannelID)
	if err != nil {
		return model.Delivery{}, model.Message{}, err
	}
	p := principal(r)
	if idemKey == "" {
		idemKey = auth.RandomToken("sb-")
	}
	out := channel.Outbound{Text: text, ReplyTo: replyTo, SenderName: p.User.Name}
	payload, _ := jsonMarshal(out)
	now := time.Now().UTC()
	nm := &store.NewMessage{OrgUnitID: conv.OrgUnitID, Kind: row.Kind, Direction: model.Outbound,
		Envelope: model.Envelope{ChannelID: conv.ChannelID, ExternalID: "out:" + idemKey, ConvID: conv.ExternalID,
			SenderName: p.User.Name, Kind: model.KindText, Text: text, SentAt: now, ReceivedAt: now}}
	d, err := a.Store.Enqueue(ctx, nm, model.Delivery{ChannelID: conv.ChannelID, Destination: conv.ExternalID,
		Payload: payload, IdemKey: idemKey})
	if err != nil {
		return d, model.Message{}, err
	}
	a.Outbox.Wake()
	m, err := a.Store.GetMessage(ctx, store.Scope{All: true}, d.MessageID, p.User.ID)
	if err == nil {
		_ = a.Bus.Publish(ctx, bus.Event{Type: bus.MessageCreated, OrgUnitID: m.OrgUnitID, ChannelID: m.ChannelID, Message: &m})
	}
	a.Audit.Record(r, "message.reply", "conversation:"+strconv.FormatInt(convID, 10), true, "")
	return d, m, err
}
