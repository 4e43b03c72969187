// Package dingtalk is the DingTalk (钉钉) channel: an internal app with a
// robot whose message callbacks (HTTP mode) and, optionally, event
// subscription callbacks arrive at /hooks/dingtalk/{id}, and whose replies
// go out through the conversation's sessionWebhook while it is valid and
// through the robot's proactive send APIs otherwise. In Stream mode the
// same messages, and card clicks, arrive over a long connection the node
// opens itself (stream.go, with the official stream SDK). Protocol facts
// come from shared/reference/platform-protocols.md §3; hand-rolled HTTP
// and stdlib crypto for the rest.
package dingtalk

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// Kind is this channel's kind name.
const Kind = "dingtalk"

// Default hosts: the new API, and the old one that serves webhooks.
const (
	APIBaseURL  = "https://api.dingtalk.com"
	OAPIBaseURL = "https://oapi.dingtalk.com"
)

// Config is the stored (encrypted) configuration of a DingTalk channel.
// All values are strings because the API merges updates as string settings.
type Config struct {
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
	RobotCode string `json:"robot_code"` // default: app_key, as for internal apps
	// Token and AESKey are the event subscription's 加密 token and
	// aes_key; both empty when events are not subscribed.
	Token       string `json:"token,omitempty"`
	AESKey      string `json:"aes_key,omitempty"`
	BaseURL     string `json:"base_url"`
	OAPIBaseURL string `json:"oapi_base_url"`
	// Mode is "callback" (HTTP callbacks to /hooks/dingtalk/{id}) or
	// "stream" (a long connection from this node: no public address).
	Mode string `json:"mode"`
	// SendAs is "text" (default) or "card": cards (from CardTemplateID)
	// can later be updated in place, plain messages cannot.
	SendAs         string `json:"send_as,omitempty"`
	CardTemplateID string `json:"card_template_id,omitempty"`
	// WebhookToken and WebhookSecret are a group custom robot's
	// access_token and "SEC…" signing secret, for destination "webhook".
	WebhookToken  string `json:"webhook_token,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

var settingNames = []string{"app_key", "app_secret", "robot_code", "token", "aes_key", "base_url", "oapi_base_url",
	"mode", "send_as", "card_template_id", "webhook_token", "webhook_secret"}

// Driver builds DingTalk channels.
type Driver struct{}

// Kind is "dingtalk".
func (Driver) Kind() string { return Kind }

// Prepare validates the settings an admin copied from the DingTalk
// developer console. Nothing is generated, so nothing is revealed.
func (Driver) Prepare(settings map[string]string) ([]byte, map[string]string, error) {
	if err := unknownSettings(settings); err != nil {
		return nil, nil, err
	}
	s := func(k string) string { return strings.TrimSpace(settings[k]) }
	cfg := Config{AppKey: s("app_key"), AppSecret: s("app_secret"), RobotCode: s("robot_code"), Token: s("token"),
		AESKey: s("aes_key"), BaseURL: s("base_url"), OAPIBaseURL: s("oapi_base_url"), Mode: s("mode"), SendAs: s("send_as"),
		CardTemplateID: s("card_template_id"), WebhookToken: s("webhook_token"), WebhookSecret: s("webhook_secret")}
	if err := cfg.normalize(); err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(cfg)
	return b, map[string]string{}, err
}

// unknownSettings refuses misspelt names, which would otherwise be dropped
// silently (an "aeskey" typo would leave events unconfigured).
func unknownSettings(settings map[string]string) error {
	var bad []string
	for k := range settings {
		if !slices.Contains(settingNames, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return errcode.InvalidRequest.With("unknown dingtalk settings %v; known: %v", bad, settingNames)
}

// normalize fills defaults and checks every field.
func (c *Config) normalize() error {
	switch {
	case c.AppKey == "":
		return errcode.MissingField.With("app_key (the app's AppKey / Client ID, ding…)")
	case c.AppSecret == "":
		return errcode.MissingField.With("app_secret (AppSecret / Client Secret)")
	case (c.Token == "") != (c.AESKey == ""):
		return errcode.InvalidRequest.With("token and aes_key: set both (event subscription) or neither")
	case c.AESKey != "" && !validAESKey(c.AESKey):
		return errcode.InvalidRequest.With("aes_key: want the console's 43 characters")
	case c.WebhookSecret != "" && c.WebhookToken == "":
		return errcode.InvalidRequest.With("webhook_secret needs webhook_token (the custom robot's access_token)")
	}
	c.RobotCode = cmp.Or(c.RobotCode, c.AppKey)
	var err error
	if c.BaseURL, err = baseURL("base_url", c.BaseURL, APIBaseURL); err != nil {
		return err
	}
	if c.OAPIBaseURL, err = baseURL("oapi_base_url", c.OAPIBaseURL, OAPIBaseURL); err != nil {
		return err
	}
	c.Mode = cmp.Or(c.Mode, "callback")
	if c.Mode != "callback" && c.Mode != "stream" {
		return errcode.InvalidRequest.With("mode %q: want callback or stream", c.Mode)
	}
	c.SendAs = cmp.Or(c.SendAs, "text")
	switch {
	case c.SendAs != "text" && c.SendAs != "card":
		return errcode.InvalidRequest.With("send_as %q: want text or card", c.SendAs)
	case c.SendAs == "card" && c.CardTemplateID == "":
		return errcode.MissingField.With("card_template_id (send_as card needs a card template with a \"content\" variable)")
	}
	return nil
}

// baseURL checks an http(s) base URL and strips its trailing slash.
func baseURL(name, v, def string) (string, error) {
	v = strings.TrimRight(cmp.Or(v, def), "/")
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errcode.InvalidRequest.With("%s: want %s or another http(s) URL, got %q", name, def, v)
	}
	return v, nil
}

// New builds a live DingTalk channel from its row.
func (Driver) New(ch model.Channel, env channel.Env) (channel.Channel, error) {
	var cfg Config
	if err := json.Unmarshal(ch.Config, &cfg); err != nil {
		return nil, fmt.Errorf("dingtalk config: %w", err)
	}
	if err := cfg.normalize(); err != nil {
		return nil, fmt.Errorf("dingtalk config: %w", err)
	}
	return newConn(ch, cfg, env), nil
}
