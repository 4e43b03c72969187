package store

import (
	"context"
	"time"

	"switchboard/internal/model"
)

// ProfileJob is one identity whose contact profile is to be looked up.
type ProfileJob struct {
	IdentityID int64
	PersonID   int64
	ChannelID  int64
	ExternalID string
	Attempts   int // lookups already tried
}

// PeopleFilter narrows a people list. Zero fields do not filter.
type PeopleFilter struct {
	Query  string // part of a name, email or mobile
	Before int64  // cursor: only primary people with ids below this
	Limit  int
}

// People stores the contact profiles of identities and the links that
// make several identities one person. Lookups run after the intake
// commit, leased like the outbox, so they never slow intake down.
type People interface {
	// ClaimProfiles leases up to limit identities whose profile is
	// pending, or whose lookup was denied, and due by now.
	ClaimProfiles(ctx context.Context, owner string, now, until time.Time, limit int) ([]ProfileJob, error)
	// SaveProfile records a lookup's outcome: with state done, the
	// profile's fields go to the identity and its own person, and the
	// person is linked to another one whose identity has the same
	// verified email or mobile (unless either was linked or unlinked by
	// an admin). A denied lookup is claimed again from recheck on (zero:
	// never), so granting the permission later fills the profile in. It
	// returns the primary person the identity now belongs to.
	SaveProfile(ctx context.Context, identityID int64, state model.ProfileState, p model.Profile, recheck time.Time) (int64, error)
	// RetryProfile gives up the lease and schedules another lookup at next.
	RetryProfile(ctx context.Context, identityID int64, next time.Time) error
	// GetLinkedPerson returns the primary person of id (id itself, or the
	// person it is linked into) with the identities of every person linked
	// to it, each person's profile filling the primary's blank fields;
	// ErrNotFound when no identity of the group is in scope.
	GetLinkedPerson(ctx context.Context, scope Scope, id int64) (model.Person, []model.Identity, error)
	// ListPeople lists primary people with an identity in scope, newest first.
	ListPeople(ctx context.Context, scope Scope, f PeopleFilter) ([]model.Person, error)
	// LinkedPeople returns the ids of the primary person of id and of
	// everyone linked into it (the senders of the person's messages).
	LinkedPeople(ctx context.Context, id int64) ([]int64, error)
	// LinkIdentity links the person of identityID (with everyone linked to
	// it) into the primary person of personID, as an admin's decision.
	// ErrConflict when they are one person already.
	LinkIdentity(ctx context.Context, personID, identityID int64) error
	// UnlinkIdentity takes identityID's own person out of its group, as an
	// admin's decision; ErrConflict when it is not linked to anyone.
	UnlinkIdentity(ctx context.Context, identityID int64) error
	// GetIdentity returns one identity.
	GetIdentity(ctx context.Context, id int64) (model.Identity, error)
}

// AttachmentJob is one inbound message whose attachment bytes are to be
// fetched from its platform.
type AttachmentJob struct {
	MessageID int64
	ChannelID int64
	Attempts  int
}

// Attachments queues the fetching of inbound attachments after the intake
// commit: media messages are picked up from the messages table (no work on
// the intake path beyond one small partial-index entry), leased, and their
// blob ids written into the message once the bytes are stored.
type Attachments interface {
	// ClaimAttachments queues newly stored media messages, then leases up to
	// limit queued fetches due by now.
	ClaimAttachments(ctx context.Context, owner string, now, until time.Time, limit int) ([]AttachmentJob, error)
	// SaveAttachments replaces the attachments of message id (the same
	// list, with blob ids, MIME types and sizes filled in). done ends the
	// job; otherwise it is retried at next with errText.
	SaveAttachments(ctx context.Context, id int64, atts []model.Attachment, done bool, next time.Time, errText string) error
	// GiveUpAttachments ends a job that keeps failing; the message keeps
	// its platform reference.
	GiveUpAttachments(ctx context.Context, id int64, errText string) error
}
