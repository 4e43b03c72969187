package store

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// HookSource is a committed ticket change not yet turned into a webhook
// event: a history row (Source "history") or a comment ("comment").
type HookSource struct {
	Source   string
	ID       int64
	TicketID int64
	At       time.Time
	Change   model.TicketChange  // for history rows
	Comment  model.TicketComment // for comments
}

// HookEvent is a webhook event to record with its deliveries.
type HookEvent struct {
	Source     string
	SourceID   int64
	Type       string
	TicketID   int64
	Internal   bool
	OccurredAt time.Time
	Payload    []byte
	// SeenOnly records the change as seen with no deliveries: no webhook
	// wanted it when the pass looked, so it was given no body.
	SeenOnly bool
}

// HookOutcome is what one attempt at a delivery got.
type HookOutcome struct {
	ID           int64
	State        string // pending (retry at NextAt), delivered or dead
	NextAt       time.Time
	ResponseCode int
	LastError    string
	Latency      time.Duration
}

// TicketHooks stores outgoing ticket webhooks and their deliveries. The
// ticket history and comments are the durable intent: a change committed
// is an event owed until a pass records it, so a crash between a commit
// and its send, or a lost bus event, loses nothing.
type TicketHooks interface {
	CreateTicketWebhook(ctx context.Context, w model.TicketWebhook) (model.TicketWebhook, error)
	// GetTicketWebhook returns a webhook with its (opened) secret.
	GetTicketWebhook(ctx context.Context, id int64) (model.TicketWebhook, error)
	ListTicketWebhooks(ctx context.Context) ([]model.TicketWebhook, error)
	// UpdateTicketWebhook writes w whole; an empty Secret keeps the stored one.
	UpdateTicketWebhook(ctx context.Context, w model.TicketWebhook) (model.TicketWebhook, error)
	DeleteTicketWebhook(ctx context.Context, id int64) error

	// HookSources lists committed history rows and comments not yet made
	// events, oldest first.
	HookSources(ctx context.Context, limit int) ([]HookSource, error)
	// AdvanceHookCursors moves the scan's start past rows older than grace
	// that are all recorded, so a commit landing late (inside grace) behind
	// a newer one is still found.
	AdvanceHookCursors(ctx context.Context, grace time.Duration) error
	// PruneHookEvents deletes delivered and dead deliveries last touched
	// before before, and events older than that with no delivery left and
	// behind the cursor (so they are never scanned again). It returns how
	// many deliveries went.
	PruneHookEvents(ctx context.Context, before time.Time) (int64, error)
	// RecordHookEvent stores ev (once per source row, whoever comes first)
	// with one pending delivery per active webhook that wants it.
	RecordHookEvent(ctx context.Context, ev HookEvent) error
	// ClaimHookDeliveries leases due pending deliveries for owner until
	// until, counting the attempt; per webhook and ticket only the oldest
	// unfinished delivery is due, so a receiver sees a ticket's events in order.
	ClaimHookDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.TicketHookDelivery, error)
	// RecordHookOutcome writes an attempt's outcome if owner still holds
	// the lease; a dead delivery raises an alert for the admins.
	RecordHookOutcome(ctx context.Context, owner string, o HookOutcome) error
	// ListHookDeliveries lists a webhook's deliveries, newest first.
	ListHookDeliveries(ctx context.Context, webhookID int64, before int64, limit int) ([]model.TicketHookDelivery, error)
	// RedeliverHook makes a delivered or dead delivery of webhookID pending
	// again, due now; a pending one is ErrConflict.
	RedeliverHook(ctx context.Context, webhookID, deliveryID int64) (model.TicketHookDelivery, error)
}

// ExternalEvent is a change an external system pushes to a ticket. Its
// (System, EventID) is claimed in the transaction applying it, so the same
// event again changes nothing.
type ExternalEvent struct {
	System   string
	EventID  string
	TicketID int64
	ActorID  int64
	Result   []byte // JSON kept to answer a repeat
	// What to apply, all or nothing: the ticket written whole at its
	// version with changes (nil: no ticket change), a comment, a reference.
	Ticket  *model.Ticket
	Changes []model.TicketChange
	Comment *model.TicketComment
	Ref     string
}

// TicketExternal applies pushed external events and keeps external refs.
type TicketExternal interface {
	// ApplyExternalEvent applies ev in one transaction. A repeat of a
	// claimed (system, event_id) applies nothing and returns the stored
	// result with duplicate true. A stale ticket version is ErrStale.
	ApplyExternalEvent(ctx context.Context, ev ExternalEvent) (result []byte, duplicate bool, err error)
	// ExternalEventResult returns the stored result of a claimed event.
	ExternalEventResult(ctx context.Context, system, eventID string) (result []byte, seen bool, err error)
	ExternalRefs(ctx context.Context, ticketID int64) ([]model.ExternalRef, error)
	// PutTicketType creates (create true; an existing name is ErrConflict)
	// or replaces an admin-defined type (a built-in one is ErrConflict, a
	// missing one ErrNotFound).
	PutTicketType(ctx context.Context, t model.TicketType, create bool) error
}
