// Package feishu is the Feishu/Lark channel: a self-built app whose events
// (im.message.receive_v1) and card callbacks (card.action.trigger) arrive
// at /hooks/feishu/{id} or over the long connection the node opens to
// Feishu, and whose replies go out through the IM API with a cached
// tenant token. Protocol facts come from
// shared/reference/platform-protocols.md §4. HTTP and crypto are
// hand-rolled on the stdlib; the long connection uses the official SDK's
// frame codec (see longconn.go for why not its client).
package feishu

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
const Kind = "feishu"

// Base URLs of the two deployments of the platform.
const (
	FeishuBaseURL = "https://open.feishu.cn"
	LarkBaseURL   = "https://open.larksuite.com"
)

// Config is the stored (encrypted) configuration of a Feishu channel. All
// values are strings because the API merges updates as string settings.
type Config struct {
	AppID             string `json:"app_id"`
	AppSecret         string `json:"app_secret"`
	VerificationToken string `json:"verification_token"`
	EncryptKey        string `json:"encrypt_key,omitempty"` // empty: plaintext callbacks, token check only
	BaseURL           string `json:"base_url"`
	// Mode is "callback" (Feishu posts events to /hooks/feishu/{id}) or
	// "long_connection" (the node dials out to Feishu: no public address).
	Mode string `json:"mode"`
	// SendAs is "text" (default) or "card": cards can later be updated in
	// place (Update), plain text cannot.
	SendAs string `json:"send_as,omitempty"`
	// ReplyInThread "true" answers a ReplyTo as a topic thread instead of a
	// quoted reply in the main chat.
	ReplyInThread string `json:"reply_in_thread,omitempty"`
}

var settingNames = []string{"app_id", "app_secret", "verification_token", "encrypt_key", "base_url", "mode", "send_as", "reply_in_thread"}

// Driver builds Feishu channels.
type Driver struct{}

// Kind is "feishu".
func (Driver) Kind() string { return Kind }

// Prepare validates the settings an admin copied from the Feishu console.
// Nothing is generated, so nothing is revealed.
func (Driver) Prepare(settings map[string]string) ([]byte, map[string]string, error) {
	if err := unknownSettings(settings); err != nil {
		return nil, nil, err
	}
	cfg := Config{AppID: strings.TrimSpace(settings["app_id"]), AppSecret: strings.TrimSpace(settings["app_secret"]),
		VerificationToken: strings.TrimSpace(settings["verification_token"]), EncryptKey: strings.TrimSpace(settings["encrypt_key"]),
		BaseURL: settings["base_url"], Mode: settings["mode"], SendAs: settings["send_as"], ReplyInThread: settings["reply_in_thread"]}
	if err := cfg.normalize(); err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(cfg)
	return b, map[string]string{}, err
}

// unknownSettings refuses misspelt names, which would otherwise be dropped
// silently (an "encryptkey" typo would leave callbacks unauthenticated).
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
	return errcode.InvalidRequest.With("unknown feishu settings %v; known: %v", bad, settingNames)
}

// normalize fills defaults and checks every field.
func (c *Config) normalize() error {
	switch {
	case c.AppID == "":
		return errcode.MissingField.With("app_id (the app's App ID, cli_…)")
	case c.AppSecret == "":
		return errcode.MissingField.With("app_secret")
	}
	c.Mode = cmp.Or(c.Mode, ModeCallback)
	if c.Mode != ModeCallback && c.Mode != ModeLongConnection {
		return errcode.InvalidRequest.With("mode %q: want %q or %q", c.Mode, ModeCallback, ModeLongConnection)
	}
	// Over the long connection nothing is signed or tokened (the socket is
	// opened with the app secret), so only callback mode needs the token.
	if c.Mode == ModeCallback && c.VerificationToken == "" {
		return errcode.MissingField.With("verification_token (Events & Callbacks → Encryption Strategy)")
	}
	c.BaseURL = strings.TrimRight(cmp.Or(strings.TrimSpace(c.BaseURL), FeishuBaseURL), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errcode.InvalidRequest.With("base_url: want %s, %s or another http(s) URL, got %q", FeishuBaseURL, LarkBaseURL, c.BaseURL)
	}
	c.SendAs = cmp.Or(c.SendAs, "text")
	if c.SendAs != "text" && c.SendAs != "card" {
		return errcode.InvalidRequest.With("send_as %q: want text or card", c.SendAs)
	}
	if c.ReplyInThread != "" && c.ReplyInThread != "true" && c.ReplyInThread != "false" {
		return errcode.InvalidRequest.With("reply_in_thread %q: want true or false", c.ReplyInThread)
	}
	return nil
}

// New builds a live Feishu channel from its row.
func (Driver) New(ch model.Channel, env channel.Env) (channel.Channel, error) {
	var cfg Config
	if err := json.Unmarshal(ch.Config, &cfg); err != nil {
		return nil, fmt.Errorf("feishu config: %w", err)
	}
	if err := cfg.normalize(); err != nil {
		return nil, fmt.Errorf("feishu config: %w", err)
	}
	return newConn(ch, cfg, env), nil
}
