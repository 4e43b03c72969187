package feishu

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// uuidWindow: the same uuid succeeds at most once within an hour.
const uuidWindow = time.Hour

// Sent is one message (or card update) the app made through the API.
type Sent struct {
	Op            string    `json:"op"` // "send", "reply" or "update"
	MessageID     string    `json:"message_id"`
	ReceiveIDType string    `json:"receive_id_type,omitempty"`
	ReceiveID     string    `json:"receive_id,omitempty"`
	ChatID        string    `json:"chat_id"`
	ParentID      string    `json:"parent_id,omitempty"`
	ReplyInThread bool      `json:"reply_in_thread,omitempty"`
	MsgType       string    `json:"msg_type"`
	Content       string    `json:"content"`
	UUID          string    `json:"uuid,omitempty"`
	At            time.Time `json:"at"`
}

// message is one message the fake knows: sent by the app, or delivered to
// the app through a callback.
type message struct {
	id, chatID, rootID, parentID string
	msgType, content             string
	fromApp                      bool
	created, updated             time.Time
}

type uuidHit struct {
	messageID string
	at        time.Time
}

var receiveIDTypes = []string{"open_id", "union_id", "user_id", "email", "chat_id"}

type sendBody struct {
	ReceiveID     string `json:"receive_id"`
	MsgType       string `json:"msg_type"`
	Content       string `json:"content"`
	UUID          string `json:"uuid"`
	ReplyInThread bool   `json:"reply_in_thread"`
}

// send serves POST /open-apis/im/v1/messages?receive_id_type=….
func (s *Server) send(r *http.Request) reply {
	idType := r.URL.Query().Get("receive_id_type")
	var in sendBody
	if e, bad := decodeSend(r, &in); bad {
		return failWith(e)
	}
	switch {
	case !slices.Contains(receiveIDTypes, idType):
		return fail(http.StatusBadRequest, CodeBadField, "field validation failed: receive_id_type")
	case in.ReceiveID == "":
		return fail(http.StatusBadRequest, CodeBadField, "field validation failed: receive_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, refused := s.refused[in.ReceiveID]; refused {
		return failWith(e)
	}
	if m, dup := s.byUUID(in.UUID); dup {
		return ok(s.view(m))
	}
	chat := in.ReceiveID
	if idType != "chat_id" {
		chat = "oc_p2p_" + in.ReceiveID // the bot's 1:1 chat with that user
	}
	m := s.store(chat, "", in)
	s.record(Sent{Op: "send", ReceiveIDType: idType, ReceiveID: in.ReceiveID}, m, in)
	return ok(s.view(m))
}

// reply serves POST /open-apis/im/v1/messages/:message_id/reply.
func (s *Server) reply(r *http.Request) reply {
	var in sendBody
	if e, bad := decodeSend(r, &in); bad {
		return failWith(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, known := s.messages[r.PathValue("message_id")]
	if !known {
		return fail(http.StatusBadRequest, CodeNoMessage, "message not found or withdrawn")
	}
	if m, dup := s.byUUID(in.UUID); dup {
		return ok(s.view(m))
	}
	m := s.store(parent.chatID, parent.id, in)
	m.rootID = cmp.Or(parent.rootID, parent.id)
	s.record(Sent{Op: "reply", ParentID: parent.id, ReplyInThread: in.ReplyInThread}, m, in)
	return ok(s.view(m))
}

// patch serves PATCH /open-apis/im/v1/messages/:message_id: updating a
// card the app sent, allowed only when the card declared
// config.update_multi=true before and declares it after.
func (s *Server) patch(r *http.Request) reply {
	var in struct {
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !sharedCard(in.Content) {
		return fail(http.StatusBadRequest, CodeBadContent, "content must be a card JSON with config.update_multi=true")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, known := s.messages[r.PathValue("message_id")]
	switch {
	case !known:
		return fail(http.StatusBadRequest, CodeNoMessage, "message not found or withdrawn")
	case !m.fromApp || m.msgType != "interactive":
		return fail(http.StatusBadRequest, CodeBadContent, "only cards sent by this app can be updated")
	case !sharedCard(m.content):
		return fail(http.StatusBadRequest, CodeBadContent, "the card was not sent with config.update_multi=true")
	}
	m.content, m.updated = in.Content, s.cfg.Now()
	s.sent = append(s.sent, Sent{Op: "update", MessageID: m.id, ChatID: m.chatID, MsgType: m.msgType, Content: in.Content, At: m.updated})
	return ok(nil)
}

// decodeSend reads and checks a send or reply body.
func decodeSend(r *http.Request, in *sendBody) (apiError, bool) {
	if err := json.NewDecoder(r.Body).Decode(in); err != nil {
		return apiError{http.StatusBadRequest, CodeBadField, "invalid request body: " + err.Error()}, true
	}
	if len(in.UUID) > 50 {
		return apiError{http.StatusBadRequest, CodeBadField, "field validation failed: uuid longer than 50 characters"}, true
	}
	if err := checkContent(in.MsgType, in.Content); err != nil {
		return apiError{http.StatusBadRequest, CodeBadContent, "invalid message content: " + err.Error()}, true
	}
	return apiError{}, false
}

// byUUID finds the message an earlier request with the same uuid made
// within the idempotency window. Callers hold s.mu.
func (s *Server) byUUID(uuid string) (*message, bool) {
	if uuid == "" {
		return nil, false
	}
	hit, seen := s.uuids[uuid]
	if !seen || s.cfg.Now().Sub(hit.at) >= uuidWindow {
		return nil, false
	}
	return s.messages[hit.messageID], true
}

// store keeps a new app message. Callers hold s.mu.
func (s *Server) store(chat, parent string, in sendBody) *message {
	now := s.cfg.Now()
	m := &message{id: s.nextID("om_sim"), chatID: chat, parentID: parent, msgType: in.MsgType,
		content: in.Content, fromApp: true, created: now, updated: now}
	s.messages[m.id] = m
	if in.UUID != "" {
		s.uuids[in.UUID] = uuidHit{messageID: m.id, at: now}
	}
	return m
}

// record notes a delivered message for inspection. Callers hold s.mu.
func (s *Server) record(rec Sent, m *message, in sendBody) {
	rec.MessageID, rec.ChatID, rec.MsgType, rec.Content, rec.UUID, rec.At = m.id, m.chatID, m.msgType, m.content, in.UUID, m.created
	s.sent = append(s.sent, rec)
}

// view is the message as the API's data field shows it.
func (s *Server) view(m *message) map[string]any {
	sender := map[string]any{"id": s.cfg.AppID, "id_type": "app_id", "sender_type": "app", "tenant_key": s.cfg.TenantKey}
	if !m.fromApp {
		sender = map[string]any{"id": "", "id_type": "open_id", "sender_type": "user", "tenant_key": s.cfg.TenantKey}
	}
	return map[string]any{"message_id": m.id, "root_id": m.rootID, "parent_id": m.parentID, "msg_type": m.msgType,
		"create_time": ms(m.created), "update_time": ms(m.updated), "deleted": false, "updated": !m.updated.Equal(m.created),
		"chat_id": m.chatID, "sender": sender, "body": map[string]any{"content": m.content}}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Refuse makes every later send to receiveID fail with code, as Feishu does
// for a chat the bot is not in (230002) or a user outside the app's
// availability: the kind of error retrying cannot fix.
func (s *Server) Refuse(receiveID string, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[receiveID] = apiError{http.StatusBadRequest, code, msg}
}

// remember registers a message delivered to the app through a callback, so
// that replies to it resolve to its chat.
func (s *Server) remember(id, chat, msgType, content string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.messages[id]; !known {
		s.messages[id] = &message{id: id, chatID: chat, msgType: msgType, content: content, created: at, updated: at}
	}
}
