// Package model holds the plain data types shared by every layer of Switchboard.
// It imports nothing of the project, so any package may depend on it.
package model

import "time"

// Role is a built-in or custom role name granted on an org unit.
type Role string

// Built-in roles. A grant applies to the org unit and its whole subtree.
const (
	RoleAdmin    Role = "admin"
	RoleDeptHead Role = "dept_head"
	RoleAgent    Role = "agent"
	RoleMember   Role = "member"
	RoleAuditor  Role = "auditor"
)

// Valid reports whether r is one of the built-in roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleDeptHead, RoleAgent, RoleMember, RoleAuditor:
		return true
	}
	return false
}

// OrgUnit is a node of the company tree: company → department → team.
type OrgUnit struct {
	ID        int64     `json:"id"`
	ParentID  int64     `json:"parent_id,omitempty"` // 0 for the root
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // company, department, team
	CreatedAt time.Time `json:"created_at"`
}

// RoleGrant gives a role on an org unit and everything below it.
type RoleGrant struct {
	Role      Role  `json:"role"`
	OrgUnitID int64 `json:"org_unit_id"`
}

// User is someone who signs in to Switchboard (a person may also be a user).
type User struct {
	ID           int64       `json:"id"`
	Login        string      `json:"login"`
	Name         string      `json:"name"`
	Email        string      `json:"email,omitempty"`
	PasswordHash string      `json:"-"`
	Roles        []RoleGrant `json:"roles"`
	Disabled     bool        `json:"disabled"`
	CreatedAt    time.Time   `json:"created_at"`
}

// APIToken authenticates a system or script as a user. Only the hash is stored.
type APIToken struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
}

// Session is a signed-in console session. Only the hash of its cookie is stored.
type Session struct {
	Hash      []byte
	UserID    int64
	ExpiresAt time.Time
}

// HealthState is a channel's connection state.
type HealthState string

// Channel health states shown in the console and exported as metrics.
const (
	HealthUnknown   HealthState = "unknown"
	HealthConnected HealthState = "connected"
	HealthDegraded  HealthState = "degraded"
	HealthDown      HealthState = "down"
)

// Health is the live state of one channel instance.
type Health struct {
	State       HealthState `json:"state"`
	LastEventAt time.Time   `json:"last_event_at,omitzero"`
	LastError   string      `json:"last_error,omitempty"`
	ErrorCount  int64       `json:"error_count"`
}

// Channel is one configured connection to a platform (one Feishu app, one webhook…).
// Config holds the kind-specific settings including secrets; the store keeps it encrypted.
type Channel struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	OrgUnitID int64     `json:"org_unit_id"`
	Config    []byte    `json:"-"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MessageKind is the normalized type of a message.
type MessageKind string

// Message kinds common to all platforms.
const (
	KindText  MessageKind = "text"
	KindImage MessageKind = "image"
	KindFile  MessageKind = "file"
	KindVoice MessageKind = "voice"
	KindVideo MessageKind = "video"
	KindCard  MessageKind = "card"
	// KindCardAction is a click (or choice) on an interactive card; Text
	// says what was chosen, the sender is who chose it.
	KindCardAction MessageKind = "card_action"
)

// Valid reports whether k is a known message kind.
func (k MessageKind) Valid() bool {
	switch k {
	case KindText, KindImage, KindFile, KindVoice, KindVideo, KindCard, KindCardAction:
		return true
	}
	return false
}

// Direction tells whether a message came in from a platform or was sent out.
type Direction string

// Message directions.
const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// Attachment is a file that came with a message. Data is stored encrypted under
// the data directory when the platform sent the bytes; URL is kept otherwise.
type Attachment struct {
	Name   string `json:"name"`
	MIME   string `json:"mime,omitempty"`
	Size   int64  `json:"size,omitempty"`
	URL    string `json:"url,omitempty"`
	BlobID string `json:"blob_id,omitempty"` // sha256 of the plaintext, when stored here
}

// Person is a human known through one or more platform identities.
// Every identity starts with a person of its own; linking (automatic on a
// matching verified email or mobile, or by an admin) points linked people
// at one primary person, which is the one shown.
type Person struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Email      string    `json:"email,omitempty"`
	Mobile     string    `json:"mobile,omitempty"`
	Department string    `json:"department,omitempty"`
	OrgUnitID  int64     `json:"org_unit_id,omitempty"`
	LinkedTo   int64     `json:"linked_to,omitempty"` // the primary person this one is linked into
	Manual     bool      `json:"link_manual"`         // an admin linked or unlinked it: no automatic linking
	CreatedAt  time.Time `json:"created_at"`
}

// Identity is a person's account on one channel, with the profile the
// platform's contact API gave for it when it permitted the lookup.
type Identity struct {
	ID         int64  `json:"id"`
	PersonID   int64  `json:"person_id"`
	ChannelID  int64  `json:"channel_id"`
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Profile
	ProfileState ProfileState `json:"profile_state"`
}

// Profile is what a platform's contact directory says about a user.
// Verified tells whether the platform vouches for the address (a login
// mobile, an enterprise mailbox), which is what automatic linking needs.
type Profile struct {
	ProfileName    string `json:"profile_name,omitempty"`
	Department     string `json:"department,omitempty"`
	Email          string `json:"email,omitempty"`
	EmailVerified  bool   `json:"email_verified"`
	Mobile         string `json:"mobile,omitempty"`
	MobileVerified bool   `json:"mobile_verified"`
}

// ProfileState is how far the contact lookup of an identity got.
type ProfileState string

// Profile lookup states.
const (
	ProfilePending ProfileState = "pending" // not looked up yet (or retrying)
	ProfileDone    ProfileState = "done"
	ProfileDenied  ProfileState = "denied" // the app lacks the contact scope
	ProfileNone    ProfileState = "none"   // the platform has no directory entry for it
	ProfileFailed  ProfileState = "failed" // gave up after retries
)

// Conversation is a chat, group, thread or email thread on one channel.
type Conversation struct {
	ID            int64     `json:"id"`
	ChannelID     int64     `json:"channel_id"`
	OrgUnitID     int64     `json:"org_unit_id"`
	ExternalID    string    `json:"external_id"`
	Title         string    `json:"title"`
	LastMessageAt time.Time `json:"last_message_at"`
	MessageCount  int64     `json:"message_count"`
}

// Message is one normalized message, inbound or outbound.
type Message struct {
	ID             int64        `json:"id"`
	ChannelID      int64        `json:"channel_id"`
	ChannelKind    string       `json:"channel_kind"`
	OrgUnitID      int64        `json:"org_unit_id"`
	ConversationID int64        `json:"conversation_id"`
	ExternalID     string       `json:"external_id"`
	Direction      Direction    `json:"direction"`
	SenderID       int64        `json:"sender_id,omitempty"` // person id
	SenderName     string       `json:"sender_name"`
	Kind           MessageKind  `json:"kind"`
	Text           string       `json:"text"`
	Attachments    []Attachment `json:"attachments"`
	Tags           []string     `json:"tags"`
	// Category, Priority, RetentionClass and Confidential are what the rules
	// decided when the message arrived (see rules.Outcome).
	Category       string    `json:"category"`
	Priority       string    `json:"priority"` // P1–P4, "" for none
	RetentionClass string    `json:"retention_class"`
	Confidential   bool      `json:"confidential"`
	SentAt         time.Time `json:"sent_at"`
	ReceivedAt     time.Time `json:"received_at"`
	Starred        bool      `json:"starred"`
	Read           bool      `json:"read"`
	// Notify is what the rules asked for this new message; set inside the
	// intake commit and stored there as a notification intent.
	Notify *NotifyRequest `json:"-"`
}

// Envelope is what a channel adapter hands to intake: an authenticated,
// normalized inbound message not yet stored.
type Envelope struct {
	ChannelID    int64        `json:"channel_id"`
	ExternalID   string       `json:"external_id"`
	ConvID       string       `json:"conv_id"`
	ConvTitle    string       `json:"conv_title,omitempty"`
	SenderID     string       `json:"sender_id"`
	SenderName   string       `json:"sender_name,omitempty"`
	Kind         MessageKind  `json:"kind"`
	Text         string       `json:"text"`
	Attachments  []Attachment `json:"attachments,omitempty"`
	SentAt       time.Time    `json:"sent_at"`
	ReceivedAt   time.Time    `json:"received_at"`
	AcceptedNano int64        `json:"accepted_ns,omitempty"` // monotonic-ish wall clock for lag metrics
}

// AuditEntry records a permission-relevant action, allowed or denied.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   int64     `json:"user_id"`
	Login    string    `json:"login"`
	Action   string    `json:"action"`
	Resource string    `json:"resource"`
	Allowed  bool      `json:"allowed"`
	Detail   string    `json:"detail,omitempty"`
	RemoteIP string    `json:"remote_ip,omitempty"`
	PrevHash []byte    `json:"-"`
	Hash     []byte    `json:"-"`
}

// DeliveryState is where an outbound delivery stands.
type DeliveryState string

// Delivery states, per recipient.
const (
	DeliveryQueued DeliveryState = "queued"
	DeliverySent   DeliveryState = "sent"
	DeliveryFailed DeliveryState = "failed" // will retry
	DeliveryDead   DeliveryState = "dead"   // gave up
)

// DeliveryRead is one person's read receipt for a delivery.
type DeliveryRead struct {
	Reader string    `json:"reader"`         // the reader's platform id
	Name   string    `json:"name,omitempty"` // their name, when Switchboard knows the identity
	At     time.Time `json:"at"`
}

// Delivery is one outbound send through the durable outbox.
type Delivery struct {
	ID             int64          `json:"id"`
	ChannelID      int64          `json:"channel_id"`
	MessageID      int64          `json:"message_id,omitempty"` // the outbound message, if any
	ConversationID int64          `json:"conversation_id,omitempty"`
	Destination    string         `json:"destination"` // platform conversation/user id
	Payload        []byte         `json:"-"`           // kind-specific JSON, stored encrypted
	IdemKey        string         `json:"idem_key"`
	State          DeliveryState  `json:"state"`
	Attempts       int            `json:"attempts"`
	NextAttemptAt  time.Time      `json:"next_attempt_at"`
	LastError      string         `json:"last_error,omitempty"`
	ExternalID     string         `json:"external_id,omitempty"` // platform message id once sent
	NotificationID int64          `json:"notification_id,omitempty"`
	PrevID         int64          `json:"prev_id,omitempty"`  // the delivery this one falls back from
	Fallback       []NotifyHop    `json:"fallback,omitempty"` // where to go next if this one dies
	Reads          []DeliveryRead `json:"reads,omitempty"`    // read receipts, where the platform reports them
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}
