// Package channel is the contract between Switchboard and each platform
// adapter, plus the registry that turns stored channel rows into live
// adapters. Adding a platform touches one folder and one registry line.
package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"switchboard/internal/model"
)

// Sink is where adapters hand authenticated, normalized envelopes. Accept
// returns only after the envelope is durably committed (or refused).
type Sink interface {
	Accept(ctx context.Context, env model.Envelope) (Accepted, error)
}

// Accepted tells an adapter what happened to an envelope.
type Accepted struct {
	Duplicate bool
	InboxID   int64
}

// Outbound is a message to send on a channel.
type Outbound struct {
	Destination string `json:"destination"`           // platform conversation / user id
	Text        string `json:"text"`                  // plain text
	ReplyTo     string `json:"reply_to,omitempty"`    // platform message id to thread under
	IdemKey     string `json:"idem_key"`              // stable across retries of one delivery
	SenderName  string `json:"sender_name,omitempty"` // who wrote it in Switchboard
	// Updates is the platform id of a sent message this one replaces in
	// place (a ticket's status card); where the platform cannot edit it,
	// the outbox sends this as a new message.
	Updates string `json:"updates,omitempty"`
}

// Receipt identifies a sent message on the platform, for later updates.
type Receipt struct {
	ExternalID  string `json:"external_id"`
	Destination string `json:"destination"`
}

// Channel is one live channel instance.
type Channel interface {
	// Start opens long connections, if the platform has them; HTTP callbacks
	// arrive through ServeHTTP when the channel also implements http.Handler.
	Start(ctx context.Context, sink Sink) error
	Send(ctx context.Context, m Outbound) (Receipt, error)
	Update(ctx context.Context, r Receipt, m Outbound) error
	Health() model.Health
}

// Tester is implemented by channels that can prove their settings work with
// one cheap request to the platform: the console's "test connection". Test
// bypasses any cached token, so a secret changed on the platform shows at
// once, and records the outcome in Health. The error carries the
// platform's own message, for the admin to act on.
type Tester interface {
	Test(ctx context.Context) error
}

// Env is what a driver may use to build a channel.
type Env struct {
	Sink          Sink
	Blobs         BlobPutter
	MaxBodyBytes  int64
	SignatureSkew time.Duration
	Now           func() time.Time
	Client        *http.Client
	Rejected      func(kind, reason string) // counts refused callbacks
	// Routes, when set, keeps what adapters learn about answering a
	// conversation (DingTalk's sessionWebhook) for other nodes and
	// restarts; store.Store implements it.
	Routes SessionRoutes
}

// SessionRoutes stores per-conversation reply routes, opaque and sealed.
type SessionRoutes interface {
	SaveSessionRoute(ctx context.Context, channelID int64, conv string, route []byte, expires time.Time) error
	SessionRoute(ctx context.Context, channelID int64, conv string) ([]byte, time.Time, error)
}

// BlobPutter stores attachment bytes and returns their id.
type BlobPutter interface {
	Put(data []byte) (string, error)
}

// Driver builds channels of one kind.
type Driver interface {
	Kind() string
	// Prepare validates a new channel's settings and fills generated secrets;
	// it returns the config to store and the values to show the admin once.
	Prepare(settings map[string]string) (config []byte, reveal map[string]string, err error)
	New(ch model.Channel, env Env) (Channel, error)
}

// ErrUnsupported is returned by Update when the platform cannot edit a sent message.
var ErrUnsupported = errors.New("channel: not supported by this platform")

// ErrPermanent marks a send failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent failure")

// RetryAfterError asks the outbox to try again no sooner than After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Permanent wraps err as a permanent failure.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }
