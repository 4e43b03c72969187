// Package store defines the small per-aggregate interfaces that every database
// implementation provides, and the typed errors they return. The sqlite and
// postgres packages implement them; storetest is the one conformance suite both pass.
package store

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/rules"
)

// Typed errors crossing the store boundary; the HTTP edge maps them to codes.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrStale: the row changed since the caller read it (optimistic concurrency).
	ErrStale = errors.New("stale version")
)

// Scope limits what a caller may read. It is applied inside every query.
// All means no limit (admins). Otherwise only rows whose org unit lies in the
// subtree of one of Units are visible; an empty Units sees nothing.
type Scope struct {
	All   bool
	Units []int64
	// Secret lists the units (with their subtrees) whose confidential
	// messages the caller may read; outside them confidential messages are
	// left out as if absent. All implies every unit.
	Secret []int64
}

// OrgUnits stores the company tree.
type OrgUnits interface {
	CreateOrgUnit(ctx context.Context, u model.OrgUnit) (model.OrgUnit, error)
	GetOrgUnit(ctx context.Context, id int64) (model.OrgUnit, error)
	ListOrgUnits(ctx context.Context) ([]model.OrgUnit, error)
	// Subtree returns id and every descendant id.
	Subtree(ctx context.Context, id int64) ([]int64, error)
}

// Users stores accounts, their role grants, API tokens and console sessions.
type Users interface {
	CreateUser(ctx context.Context, u model.User) (model.User, error)
	GetUser(ctx context.Context, id int64) (model.User, error)
	GetUserByLogin(ctx context.Context, login string) (model.User, error)
	ListUsers(ctx context.Context) ([]model.User, error)
	SetPassword(ctx context.Context, id int64, hash string) error
	SetRoles(ctx context.Context, id int64, roles []model.RoleGrant) error
	CountUsers(ctx context.Context) (int, error)

	CreateToken(ctx context.Context, t model.APIToken) (model.APIToken, error)
	LookupToken(ctx context.Context, hash []byte) (model.APIToken, error)
	CreateSession(ctx context.Context, s model.Session) error
	LookupSession(ctx context.Context, hash []byte) (model.Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
}

// Channels stores configured channel instances; Config is encrypted at rest.
type Channels interface {
	CreateChannel(ctx context.Context, c model.Channel) (model.Channel, error)
	GetChannel(ctx context.Context, id int64) (model.Channel, error)
	ListChannels(ctx context.Context, scope Scope) ([]model.Channel, error)
	UpdateChannel(ctx context.Context, c model.Channel) (model.Channel, error)
	DeleteChannel(ctx context.Context, id int64) error
}

// InboxEntry is one envelope to append durably. Owner and LeaseUntil claim the
// row for the node that accepted it, so it is processed there without a re-read.
type InboxEntry struct {
	Envelope   model.Envelope
	Owner      string
	LeaseUntil time.Time
	Target     *Target // for AcceptInbox: where the message belongs; nil = leave the row to processors
	// Terms, if set, is search.BodyTerms of the envelope's text and sender
	// name, computed by the caller so the writer does not have to.
	Terms string
}

// Target is what processing needs to know about a message's channel.
type Target struct {
	OrgUnitID int64
	Kind      string // channel kind
}

// InboxItem is a committed inbox row.
type InboxItem struct {
	ID       int64
	Envelope model.Envelope
}

// Inbox is the durable intake queue: append with dedupe, claim with a lease.
type Inbox interface {
	// AppendInbox inserts all entries in one transaction. For each entry it
	// returns the new row id, or 0 when (channel, external id) was already seen.
	AppendInbox(ctx context.Context, entries []InboxEntry) ([]int64, error)
	// AcceptInbox stores, in one transaction, the message of every entry
	// with a Target — deduplicated on the message's (channel, external id),
	// with no inbox row — and appends the other entries as AppendInbox
	// does. For each entry it returns the new message or inbox row id, 0
	// for a duplicate, and the new messages in entry order.
	AcceptInbox(ctx context.Context, entries []InboxEntry) ([]int64, []model.Message, error)
	// ClaimInbox leases up to limit unprocessed rows whose lease has expired.
	ClaimInbox(ctx context.Context, owner string, until time.Time, limit int) ([]InboxItem, error)
	// InboxDepth counts unprocessed rows.
	InboxDepth(ctx context.Context) (int64, error)
}

// NewMessage is a processed inbox row ready to become a message.
type NewMessage struct {
	InboxID   int64
	OrgUnitID int64
	Kind      string // channel kind
	Envelope  model.Envelope
	Direction model.Direction
	Terms     string // search.BodyTerms of the envelope, if already computed
}

// MessageFilter narrows a message list. Zero fields do not filter.
type MessageFilter struct {
	ChannelID      int64
	ConversationID int64
	SenderID       int64
	OrgUnitID      int64 // the unit and its subtree
	Tag            string
	Kind           model.MessageKind
	Since, Until   time.Time
	Query          string // full-text, already CJK-normalised by the search package
	Starred        bool
	Category       string
	Priority       string // P1–P4
	Confidential   *bool  // nil: both; only confidential or only not
	Before         int64  // cursor: only ids below this
	After          int64  // only ids above this, oldest first (live-stream catch-up)
	Limit          int
	ViewerID       int64 // for starred/read flags
}

// Messages stores people, identities, conversations and messages.
type Messages interface {
	// CommitMessages turns processed inbox rows into messages in one
	// transaction, marking the rows done. Rows already turned into messages
	// are skipped; the returned slice holds only newly stored messages.
	CommitMessages(ctx context.Context, batch []NewMessage) ([]model.Message, error)
	ListMessages(ctx context.Context, scope Scope, f MessageFilter) ([]model.Message, error)
	GetMessage(ctx context.Context, scope Scope, id, viewerID int64) (model.Message, error)
	ListConversations(ctx context.Context, scope Scope, channelID int64, limit int) ([]model.Conversation, error)
	GetConversation(ctx context.Context, scope Scope, id int64) (model.Conversation, error)
	GetPerson(ctx context.Context, id int64) (model.Person, []model.Identity, error)
	SetStar(ctx context.Context, userID, messageID int64, on bool) error
	MarkRead(ctx context.Context, userID, messageID int64) error
	CountMessages(ctx context.Context) (int64, error)
}

// Outbox is the durable queue of outbound deliveries.
type Outbox interface {
	// Enqueue stores an outbound message (if m is not nil) and its delivery
	// in one transaction. A repeated IdemKey returns the existing delivery.
	Enqueue(ctx context.Context, m *NewMessage, d model.Delivery) (model.Delivery, error)
	ClaimDeliveries(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Delivery, error)
	MarkSent(ctx context.Context, id int64, externalID string, at time.Time) error
	MarkRetry(ctx context.Context, id int64, next time.Time, errText string) error
	// Postpone moves a delivery's next attempt without counting one.
	Postpone(ctx context.Context, id int64, next time.Time, errText string) error
	// RecordDeliveries writes a round's outcomes in one transaction,
	// skipping deliveries that no longer exist.
	RecordDeliveries(ctx context.Context, outs []DeliveryOutcome) error
	// RecordAndClaim is RecordDeliveries, then ClaimDeliveries, in one
	// transaction.
	RecordAndClaim(ctx context.Context, outs []DeliveryOutcome, owner string, now, until time.Time, limit int) ([]model.Delivery, error)
	// MarkDead gives up on a delivery; one with a fallback enqueues the
	// next hop in the same transaction, one without raises an alert for
	// the admins (unless it was an alert itself).
	MarkDead(ctx context.Context, id int64, errText string) error
	GetDelivery(ctx context.Context, id int64) (model.Delivery, error)
	ListDeliveries(ctx context.Context, messageID int64) ([]model.Delivery, error)
	// RecordReads stores a platform's read receipt for the channel's sent
	// messages externalIDs; unknown ids are ignored, repeats keep the
	// first time. It returns how many receipts were new.
	RecordReads(ctx context.Context, channelID int64, externalIDs []string, reader string, at time.Time) (int, error)
	// MessageReads returns the read receipts of outbound messages by id.
	MessageReads(ctx context.Context, messageIDs []int64) (map[int64][]model.DeliveryRead, error)
	OutboxDepth(ctx context.Context) (int64, error)
}

// Audit is the append-only, hash-chained audit trail.
type Audit interface {
	AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error)
	ListAudit(ctx context.Context, limit int, deniedOnly bool) ([]model.AuditEntry, error)
}

// Annotating stores may have new inbound messages annotated (tagged) in the
// transaction that stores them.
type Annotating interface {
	SetAnnotator(fn func(*model.Message))
}

// Store is everything a database implementation provides.
type Store interface {
	OrgUnits
	Users
	Channels
	Inbox
	Messages
	People
	Attachments
	Outbox
	Audit
	Rules
	Notifications
	Tickets
	TicketLoop
	TicketRouting
	TicketDuplicates
	TicketViews
	TicketSLAs
	TicketIntake
	SessionRoutes
	TicketHooks
	TicketExternal
	TicketDupeChecks
	TicketAgentLoad
	Close() error
}

// SessionRoutes keeps what an adapter learned about answering a
// conversation — DingTalk's sessionWebhook, valid about 90 minutes — so
// that a restarted node, or another node of the cluster, can still reply
// through it. The route is opaque to the store and sealed at rest (the
// webhook URL is a bearer credential for the conversation).
type SessionRoutes interface {
	// SaveSessionRoute inserts or replaces a conversation's route.
	SaveSessionRoute(ctx context.Context, channelID int64, conv string, route []byte, expires time.Time) error
	// SessionRoute returns a conversation's route and its expiry, or
	// ErrNotFound.
	SessionRoute(ctx context.Context, channelID int64, conv string) ([]byte, time.Time, error)
}

// OutcomeKind is what became of one attempt at a delivery.
type OutcomeKind string

// Delivery outcomes.
const (
	OutcomeSent     OutcomeKind = "sent"
	OutcomeRetry    OutcomeKind = "retry"    // failed; try again at Next
	OutcomePostpone OutcomeKind = "postpone" // not attempted; try at Next
	OutcomeDead     OutcomeKind = "dead"     // given up; the fallback, if any, is enqueued
)

// DeliveryOutcome is one delivery's outcome to record.
type DeliveryOutcome struct {
	ID         int64
	Kind       OutcomeKind
	ExternalID string    // sent: the platform's message id
	At         time.Time // sent: when
	Next       time.Time // retry, postpone: when to try again
	Err        string
}

// NewNotification is one notification to store while resolving an intent.
// Delivery, when set, is enqueued with it, linked to it.
type NewNotification struct {
	Notification model.Notification
	Delivery     *model.Delivery
}

// Notifications stores users' notification settings, the intents the
// intake commit writes for messages that rules want announced, the
// notifications they resolve into (one per message and user), and digests.
type Notifications interface {
	// NotifySettings returns a user's settings; one who set none gets
	// zero settings (no channel to reach them).
	NotifySettings(ctx context.Context, userID int64) (model.NotifySettings, error)
	SetNotifySettings(ctx context.Context, s model.NotifySettings) error
	// UnitChains returns the org units' fallback chains by unit id, 0 for
	// the default; SetUnitChain replaces one, an empty chain removes it.
	UnitChains(ctx context.Context) (map[int64][]model.NotifyHop, error)
	SetUnitChain(ctx context.Context, unit int64, chain []model.NotifyHop) error
	// ClaimIntents leases up to limit unresolved intents whose lease has run out.
	ClaimIntents(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.NotifyIntent, error)
	// ResolveIntent stores ns with their deliveries and marks the intent
	// done, in one transaction. A user already notified of the message
	// keeps the notification they have, and no second delivery is made.
	ResolveIntent(ctx context.Context, intentID int64, ns []NewNotification) error
	// ClaimHeld leases up to limit held notifications due by now.
	ClaimHeld(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Notification, error)
	// FlushDigest enqueues d and marks the held notifications ids as sent
	// in it, in one transaction; ids no longer held are left alone.
	FlushDigest(ctx context.Context, ids []int64, d model.Delivery) (model.Delivery, error)
	ListNotifications(ctx context.Context, userID int64, limit int) ([]model.Notification, error)
	// NotificationDeliveries returns a notification's deliveries in the
	// order they were made: the first hop, then each fallback.
	NotificationDeliveries(ctx context.Context, notificationID int64) ([]model.Delivery, error)
	// UsersWithRole lists the enabled users holding role on unit or one of
	// its ancestors — whose scope covers unit — in id order.
	UsersWithRole(ctx context.Context, unit int64, role model.Role) ([]int64, error)
	// ClaimAlerts leases up to limit alerts not yet sent to the admins.
	ClaimAlerts(ctx context.Context, owner string, now, until time.Time, limit int) ([]model.Alert, error)
	// ResolveAlert enqueues ds (one per admin) and marks the alert sent,
	// in one transaction; deliveries that exist already are kept.
	ResolveAlert(ctx context.Context, alertID int64, ds []model.Delivery) error
	// ListAlerts returns the newest alerts first.
	ListAlerts(ctx context.Context, limit int) ([]model.Alert, error)
}

// Rules stores the message rules. Each rule is kept whole as JSON beside
// the columns that order and list it, so a new condition or action needs no
// migration. The store does not validate; the caller compiles rules first.
type Rules interface {
	// ListRules returns every rule, ordered by position, then id.
	ListRules(ctx context.Context) ([]rules.Rule, error)
	GetRule(ctx context.Context, id int64) (rules.Rule, error)
	// CreateRule stores r under a new id, ignoring r.ID.
	CreateRule(ctx context.Context, r rules.Rule) (rules.Rule, error)
	// UpdateRule replaces rule r.ID whole; ErrNotFound when there is none.
	UpdateRule(ctx context.Context, r rules.Rule) (rules.Rule, error)
	DeleteRule(ctx context.Context, id int64) error
	// ReplaceRules swaps the whole rule list in one transaction (an import):
	// rules with an id keep it, the others get a new one. On any error
	// nothing changes.
	ReplaceRules(ctx context.Context, rs []rules.Rule) ([]rules.Rule, error)
}
