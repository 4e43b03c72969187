package dingtalk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// maxBatchUsers is how many userIds one oToMessages/batchSend may name.
const maxBatchUsers = 20

// Sent is one message (or card change) the app made, by any route.
type Sent struct {
	// Op is how it went: "session" (sessionWebhook reply), "oto" (1:1
	// batchSend), "group" (groupMessages/send), "webhook" (custom robot),
	// "card_create" or "card_update".
	Op              string    `json:"op"`
	ConversationID  string    `json:"conversation_id,omitempty"`
	UserIDs         []string  `json:"user_ids,omitempty"`
	MsgKey          string    `json:"msg_key,omitempty"`   // proactive sends
	MsgParam        string    `json:"msg_param,omitempty"` // proactive sends: the JSON string
	MsgType         string    `json:"msgtype,omitempty"`   // webhook sends
	Text            string    `json:"text"`                // what a reader sees
	At              []string  `json:"at,omitempty"`        // webhook sends: atUserIds / atMobiles
	ProcessQueryKey string    `json:"process_query_key,omitempty"`
	OutTrackID      string    `json:"out_track_id,omitempty"`
	When            time.Time `json:"at_time"`
}

// conversation is a chat the fake knows from the callbacks it generated.
type conversation struct {
	id, typ, title string // typ "1" single, "2" group
	staffID        string // single chats: the user talking to the robot
}

type proactive struct {
	RobotCode          string   `json:"robotCode"`
	UserIDs            []string `json:"userIds"`
	OpenConversationID string   `json:"openConversationId"`
	MsgKey             string   `json:"msgKey"`
	MsgParam           string   `json:"msgParam"`
}

// batchSend serves POST /v1.0/robot/oToMessages/batchSend. Users the robot
// cannot reach come back in invalidStaffIdList and throttled ones in
// flowControlledStaffIdList, both in a 200 answer.
func (s *Server) batchSend(r *http.Request) reply {
	var in proactive
	if e, bad := s.decodeProactive(r, &in); bad {
		return failWith(e)
	}
	if len(in.UserIDs) == 0 || len(in.UserIDs) > maxBatchUsers {
		return fail(http.StatusBadRequest, CodeBadParameter, fmt.Sprintf("userIds: 1 to %d staff ids", maxBatchUsers))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	invalid, throttled, delivered := []string{}, []string{}, []string{}
	for _, id := range in.UserIDs {
		switch _, refused := s.refused[id]; {
		case refused:
			invalid = append(invalid, id)
		case s.flow[id] > 0:
			s.flow[id]--
			throttled = append(throttled, id)
		default:
			delivered = append(delivered, id)
		}
	}
	key := s.nextID("pqk-")
	if len(delivered) > 0 {
		s.sent = append(s.sent, Sent{Op: "oto", UserIDs: delivered, MsgKey: in.MsgKey, MsgParam: in.MsgParam,
			Text: paramText(in.MsgParam), ProcessQueryKey: key, When: s.cfg.Now()})
	}
	return ok(map[string]any{"processQueryKey": key, "invalidStaffIdList": invalid, "flowControlledStaffIdList": throttled})
}

// groupSend serves POST /v1.0/robot/groupMessages/send.
func (s *Server) groupSend(r *http.Request) reply {
	var in proactive
	if e, bad := s.decodeProactive(r, &in); bad {
		return failWith(e)
	}
	if in.OpenConversationID == "" {
		return fail(http.StatusBadRequest, CodeBadParameter, "openConversationId is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, refused := s.refused[in.OpenConversationID]; refused {
		return failWith(e)
	}
	if c, known := s.convs[in.OpenConversationID]; known && c.typ != "2" {
		return fail(http.StatusBadRequest, CodeBadParameter, "openConversationId is a single chat, not a group")
	}
	key := s.nextID("pqk-")
	s.sent = append(s.sent, Sent{Op: "group", ConversationID: in.OpenConversationID, MsgKey: in.MsgKey, MsgParam: in.MsgParam,
		Text: paramText(in.MsgParam), ProcessQueryKey: key, When: s.cfg.Now()})
	return ok(map[string]any{"processQueryKey": key})
}

// decodeProactive reads a send body and checks robotCode, msgKey and msgParam.
func (s *Server) decodeProactive(r *http.Request, in *proactive) (apiError, bool) {
	if err := json.NewDecoder(r.Body).Decode(in); err != nil {
		return apiError{http.StatusBadRequest, CodeBadParameter, "invalid request body: " + err.Error()}, true
	}
	if in.RobotCode != s.cfg.RobotCode {
		return apiError{http.StatusBadRequest, CodeBadParameter, fmt.Sprintf("robotCode %q is not this app's robot", in.RobotCode)}, true
	}
	if err := checkParam(in.MsgKey, in.MsgParam); err != nil {
		return apiError{http.StatusBadRequest, CodeBadParameter, err.Error()}, true
	}
	return apiError{}, false
}

// checkParam validates msgParam, a JSON object string, against its msgKey
// template (reference §3.4).
func checkParam(msgKey, msgParam string) error {
	var p map[string]any
	if err := json.Unmarshal([]byte(msgParam), &p); err != nil {
		return fmt.Errorf("msgParam is not a JSON object string: %v", err)
	}
	need := map[string][]string{"sampleText": {"content"}, "sampleMarkdown": {"title", "text"},
		"sampleImageMsg": {"photoURL"}, "sampleLink": {"title", "text", "messageUrl"},
		"sampleActionCard": {"title", "text", "singleTitle", "singleURL"}}
	fields, known := need[msgKey]
	if !known && !strings.HasPrefix(msgKey, "sampleActionCard") {
		return fmt.Errorf("msgKey %q is not a known template", msgKey)
	}
	for _, f := range fields {
		if v, _ := p[f].(string); v == "" {
			return fmt.Errorf("msgParam of %s needs %q", msgKey, f)
		}
	}
	return nil
}

// paramText is what a reader sees of a msgParam.
func paramText(msgParam string) string {
	var p map[string]any
	json.Unmarshal([]byte(msgParam), &p)
	for _, k := range []string{"content", "text", "title"} {
		if v, _ := p[k].(string); v != "" {
			return v
		}
	}
	return ""
}

// Refuse makes every later send to id — an openConversationId or a
// staffId — fail: a group the robot is not in answers 400
// robot.notInGroup, a staff id is listed in invalidStaffIdList. Errors
// retrying cannot fix.
func (s *Server) Refuse(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[id] = apiError{http.StatusBadRequest, CodeNotInGroup, "机器人不在群内 (robot is not in the group)"}
}

// FlowControl lists staffID in flowControlledStaffIdList for its next n
// 1:1 sends, which are then not delivered.
func (s *Server) FlowControl(staffID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flow[staffID] += n
}

// remember registers a conversation a generated callback came from.
func (s *Server) remember(c conversation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, known := s.convs[c.id]; known && c.title == "" {
		c.title = old.title
	}
	s.convs[c.id] = &c
}
