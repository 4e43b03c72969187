package dingtalk

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"
)

// Card is an interactive card the app created, as it stands now.
type Card struct {
	OutTrackID string `json:"out_track_id"`
	TemplateID string `json:"card_template_id"`
	SpaceType  string `json:"space_type"` // IM_GROUP or IM_ROBOT
	SpaceID    string `json:"space_id"`   // conversationId, or the user's staffId
	// CallbackType is how clicks reach the app: "STREAM" over Stream
	// mode, "HTTP", or "" for none.
	CallbackType string            `json:"callback_type,omitempty"`
	Params       map[string]string `json:"card_param_map"`
	Created      time.Time         `json:"created"`
	Updated      time.Time         `json:"updated"`
}

type cardData struct {
	CardParamMap map[string]any `json:"cardParamMap"`
}

type createCard struct {
	CardTemplateID string   `json:"cardTemplateId"`
	OutTrackID     string   `json:"outTrackId"`
	CardData       cardData `json:"cardData"`
	OpenSpaceID    string   `json:"openSpaceId"`
	CallbackType   string   `json:"callbackType"`
	Group          *struct {
		RobotCode string `json:"robotCode"`
	} `json:"imGroupOpenDeliverModel"`
	Robot *struct {
		SpaceType string `json:"spaceType"`
	} `json:"imRobotOpenDeliverModel"`
}

// createCard serves POST /v1.0/card/instances/createAndDeliver. Creating
// an outTrackId that exists answers success without delivering it again
// (the reference calls outTrackId "your idempotent id"; whether DingTalk
// answers a repeat with success is unverified).
func (s *Server) createCard(r *http.Request) reply {
	var in createCard
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, "invalid request body: "+err.Error())
	}
	space, id, err := s.checkCreate(in)
	if err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, err.Error())
	}
	params, err := stringParams(in.CardData.CardParamMap)
	if err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, refused := s.refused[id]; refused {
		return failWith(e)
	}
	if _, dup := s.cards[in.OutTrackID]; !dup {
		now := s.cfg.Now()
		s.cards[in.OutTrackID] = &Card{OutTrackID: in.OutTrackID, TemplateID: in.CardTemplateID, SpaceType: space, SpaceID: id,
			CallbackType: in.CallbackType, Params: params, Created: now, Updated: now}
		s.sent = append(s.sent, Sent{Op: "card_create", ConversationID: cardConv(space, id), OutTrackID: in.OutTrackID,
			Text: params["content"], When: now})
	}
	return ok(map[string]any{"success": true, "result": map[string]any{"outTrackId": in.OutTrackID,
		"deliverResults": []map[string]any{{"spaceType": space, "spaceId": id, "success": true, "carrierId": "carrier-" + in.OutTrackID}}}})
}

// checkCreate validates a create request's target and returns its space
// type and id from openSpaceId "dtv1.card//IM_GROUP.<cid>" or
// "dtv1.card//IM_ROBOT.<userId>".
func (s *Server) checkCreate(in createCard) (string, string, error) {
	if in.CardTemplateID == "" || in.OutTrackID == "" {
		return "", "", fmt.Errorf("cardTemplateId and outTrackId are required")
	}
	rest, found := strings.CutPrefix(in.OpenSpaceID, "dtv1.card//")
	space, id, dot := strings.Cut(rest, ".")
	if !found || !dot || id == "" {
		return "", "", fmt.Errorf("openSpaceId %q: want dtv1.card//IM_GROUP.<cid> or dtv1.card//IM_ROBOT.<userId>", in.OpenSpaceID)
	}
	switch {
	case space == "IM_GROUP" && (in.Group == nil || in.Group.RobotCode != s.cfg.RobotCode):
		return "", "", fmt.Errorf("IM_GROUP delivery needs imGroupOpenDeliverModel.robotCode of this robot")
	case space == "IM_ROBOT" && (in.Robot == nil || in.Robot.SpaceType != "IM_ROBOT"):
		return "", "", fmt.Errorf(`IM_ROBOT delivery needs imRobotOpenDeliverModel {"spaceType":"IM_ROBOT"}`)
	case space != "IM_GROUP" && space != "IM_ROBOT":
		return "", "", fmt.Errorf("space type %q is not simulated", space)
	}
	return space, id, nil
}

// updateCard serves PUT /v1.0/card/instances: new cardParamMap values,
// merged key by key when cardUpdateOptions.updateCardDataByKey is true,
// replacing the map otherwise.
func (s *Server) updateCard(r *http.Request) reply {
	var in struct {
		OutTrackID string   `json:"outTrackId"`
		CardData   cardData `json:"cardData"`
		Options    struct {
			ByKey bool `json:"updateCardDataByKey"`
		} `json:"cardUpdateOptions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, "invalid request body: "+err.Error())
	}
	params, err := stringParams(in.CardData.CardParamMap)
	if err != nil {
		return fail(http.StatusBadRequest, CodeBadParameter, err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, known := s.cards[in.OutTrackID]
	if !known {
		return fail(http.StatusBadRequest, CodeNoCard, "card instance not found for outTrackId "+in.OutTrackID)
	}
	if !in.Options.ByKey {
		c.Params = map[string]string{}
	}
	maps.Copy(c.Params, params)
	c.Updated = s.cfg.Now()
	s.sent = append(s.sent, Sent{Op: "card_update", ConversationID: cardConv(c.SpaceType, c.SpaceID), OutTrackID: c.OutTrackID,
		Text: c.Params["content"], When: c.Updated})
	return ok(map[string]any{"success": true, "result": true})
}

// stringParams enforces the reference's rule: cardParamMap values are strings.
func stringParams(in map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		str, isString := v.(string)
		if !isString {
			return nil, fmt.Errorf("cardParamMap.%s must be a string, got %T", k, v)
		}
		out[k] = str
	}
	return out, nil
}

// cardConv is the conversation a card landed in, for SentTo: groups by
// conversationId, robot chats as "user:<staffId>".
func cardConv(space, id string) string {
	if space == "IM_ROBOT" {
		return "user:" + id
	}
	return id
}

// Card returns a card by outTrackId, after any updates.
func (s *Server) Card(outTrackID string) (Card, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cards[outTrackID]
	if !ok {
		return Card{}, false
	}
	cp := *c
	cp.Params = maps.Clone(c.Params)
	return cp, true
}
