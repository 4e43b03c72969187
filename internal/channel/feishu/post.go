package feishu

import (
	"encoding/json"
	"slices"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// postBody is rich text: a title and paragraphs of inline elements.
type postBody struct {
	Title   string          `json:"title"`
	Content [][]postElement `json:"content"`
}

type postElement struct {
	Tag       string `json:"tag"` // text, a, at, img, media, emotion, code_block, md, hr
	Text      string `json:"text"`
	Href      string `json:"href"`
	UserID    string `json:"user_id"` // at: "@_user_1" in events
	UserName  string `json:"user_name"`
	ImageKey  string `json:"image_key"`
	FileKey   string `json:"file_key"`
	EmojiType string `json:"emoji_type"`
}

// post flattens rich text to plain text (title, then one line per
// paragraph) and lifts its images and videos out as attachments.
func (c *conn) post(msgID, raw string, mentions []mention) (string, []model.Attachment, error) {
	p, err := parsePost(raw)
	if err != nil {
		return "", nil, errcode.MalformedBody.With("event.message.content (post): %v", err)
	}
	var lines []string
	if p.Title != "" {
		lines = append(lines, p.Title)
	}
	var atts []model.Attachment
	for _, para := range p.Content {
		var b strings.Builder
		for _, el := range para {
			b.WriteString(c.inline(el, mentions))
			switch {
			case el.Tag == "img" && el.ImageKey != "":
				atts = append(atts, c.resource(msgID, el.ImageKey, "image", el.ImageKey))
			case el.Tag == "media" && el.FileKey != "":
				atts = append(atts, c.resource(msgID, el.FileKey, "file", el.FileKey))
			}
		}
		if line := strings.TrimSpace(b.String()); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n"), atts, nil
}

// parsePost reads a post as events carry it ({"title","content"}) or in
// the per-language form the send API uses ({"zh_cn": {…}}).
func parsePost(raw string) (postBody, error) {
	var p postBody
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, err
	}
	if p.Content != nil || p.Title != "" {
		return p, nil
	}
	var byLang map[string]postBody
	if err := json.Unmarshal([]byte(raw), &byLang); err != nil {
		return p, err
	}
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	slices.Sort(langs) // a stable pick when neither zh_cn nor en_us is there
	for _, pref := range append([]string{"zh_cn", "en_us"}, langs...) {
		if b, ok := byLang[pref]; ok {
			return b, nil
		}
	}
	return p, nil
}

// inline is an element's text as it reads in the chat.
func (c *conn) inline(el postElement, mentions []mention) string {
	switch el.Tag {
	case "text", "md", "code_block":
		return el.Text
	case "a":
		if el.Text == "" || el.Text == el.Href {
			return el.Href
		}
		return el.Text + " (" + el.Href + ")"
	case "at":
		if el.UserName != "" {
			return "@" + el.UserName
		}
		return withMentions(el.UserID, mentions)
	case "emotion":
		return "[" + el.EmojiType + "]"
	case "hr":
		return "---"
	}
	return ""
}
