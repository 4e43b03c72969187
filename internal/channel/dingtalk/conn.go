package dingtalk

import (
	"errors"
	"net/http"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// tokenMargin: replace an access token 5 minutes before its 2 h expiry,
// so that a send never races it.
const tokenMargin = 5 * time.Minute

// errCredentials marks a token request DingTalk refused: app_key or
// app_secret is wrong, and no retry helps until an admin fixes them.
var errCredentials = errors.New("dingtalk refused the app credentials")

// conn is one live DingTalk channel.
type conn struct {
	row    model.Channel
	cfg    Config
	env    channel.Env
	tokens *channel.TokenCache
	routes *routes
	cards  cardConvs // outTrackId → conversation, for card actions

	health channel.HealthTracker
}

func newConn(row model.Channel, cfg Config, env channel.Env) *conn {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Client == nil {
		env.Client = channel.NewHTTPClient()
	}
	if env.MaxBodyBytes <= 0 {
		env.MaxBodyBytes = 1 << 20
	}
	c := &conn{row: row, cfg: cfg, env: env, routes: newRoutes(maxRoutes, env.Now)}
	c.tokens = &channel.TokenCache{Fetch: c.fetchToken, Now: env.Now, Margin: tokenMargin}
	return c
}

// Health is the channel's state as its last callbacks and sends left it.
func (c *conn) Health() model.Health { return c.health.Health() }

// noteOK records a good callback (inbound true) or a good API call.
func (c *conn) noteOK(inbound bool) { c.health.OK(inbound, c.env.Now()) }

// noteRefused records a refused callback (see channel.HealthTracker).
func (c *conn) noteRefused(err error) { c.health.Refused(err) }

// noteSendErr records a failed API call (see channel.HealthTracker).
func (c *conn) noteSendErr(err error) { c.health.SendErr(err, errCredentials) }

var _ http.Handler = (*conn)(nil)
