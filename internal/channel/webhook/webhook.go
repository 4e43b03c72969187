// Package webhook is the generic signed webhook channel for in-house systems
// and anything that can POST JSON. Inbound and outbound requests carry
// X-Switchboard-Timestamp (unix seconds) and
// X-Switchboard-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)).
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// Kind is this channel's kind name.
const Kind = "webhook"

// Header names of the signing scheme.
const (
	HeaderTimestamp = "X-Switchboard-Timestamp"
	HeaderSignature = "X-Switchboard-Signature"
)

// Config is the stored (encrypted) configuration of a webhook channel.
type Config struct {
	Secret string `json:"secret"`
	URL    string `json:"url,omitempty"` // where replies are POSTed; empty = receive only
}

// Sign returns the signature header value for body at ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a timestamp header and signature header against body.
func Verify(secret, tsHeader, sigHeader string, body []byte, now time.Time, skew time.Duration) error {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return errcode.StaleTimestamp.With("missing or non-numeric %s", HeaderTimestamp)
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > skew || age < -skew {
		return errcode.StaleTimestamp.With("timestamp is %s away from server time; allowed ±%s", age.Round(time.Second), skew)
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(sigHeader)) {
		return errcode.BadSignature.With("%s does not match HMAC-SHA256(secret, timestamp + \".\" + body)", HeaderSignature)
	}
	return nil
}

// Driver builds webhook channels.
type Driver struct{}

// Kind is "webhook".
func (Driver) Kind() string { return Kind }

// Prepare generates the secret and validates the reply URL.
func (Driver) Prepare(settings map[string]string) ([]byte, map[string]string, error) {
	cfg := Config{Secret: settings["secret"], URL: settings["url"]}
	if cfg.Secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		cfg.Secret = "whsec_" + hex.EncodeToString(b)
	}
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, errcode.InvalidRequest.With("url: want an http(s) URL, got %q", cfg.URL)
		}
	}
	b, err := json.Marshal(cfg)
	return b, map[string]string{"secret": cfg.Secret}, err
}

// New builds a live webhook channel from its row.
func (Driver) New(ch model.Channel, env channel.Env) (channel.Channel, error) {
	var cfg Config
	if err := json.Unmarshal(ch.Config, &cfg); err != nil {
		return nil, fmt.Errorf("webhook config: %w", err)
	}
	if cfg.Secret == "" {
		return nil, fmt.Errorf("webhook config: no secret")
	}
	return newHook(ch, cfg, env), nil
}
