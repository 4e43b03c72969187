package feishu

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Size limits of a send request's content (reference §4.4).
const (
	maxTextContent = 150 << 10
	maxCardContent = 30 << 10
)

// checkContent validates content, the JSON string a send carries, against
// its msg_type the way the IM API refuses malformed messages.
func checkContent(msgType, content string) error {
	var obj map[string]any
	if err := json.Unmarshal([]byte(content), &obj); err != nil {
		return fmt.Errorf("content is not a JSON object string: %v", err)
	}
	switch msgType {
	case "text":
		if t, _ := obj["text"].(string); t == "" {
			return errors.New(`text content needs {"text": "…"}`)
		}
		if len(content) > maxTextContent {
			return errors.New("text content over 150 KB")
		}
	case "post", "interactive":
		if len(content) > maxCardContent {
			return fmt.Errorf("%s content over 30 KB", msgType)
		}
	case "image":
		if k, _ := obj["image_key"].(string); k == "" {
			return errors.New("image content needs image_key")
		}
	case "file", "audio", "media", "sticker":
		if k, _ := obj["file_key"].(string); k == "" {
			return fmt.Errorf("%s content needs file_key", msgType)
		}
	case "share_chat", "share_user":
	default:
		return fmt.Errorf("msg_type %q is not supported", msgType)
	}
	return nil
}

// sharedCard reports whether content is a card that declares
// config.update_multi=true, the precondition of updating it in place.
func sharedCard(content string) bool {
	var card struct {
		Config struct {
			UpdateMulti bool `json:"update_multi"`
		} `json:"config"`
	}
	return json.Unmarshal([]byte(content), &card) == nil && card.Config.UpdateMulti
}
