package store

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/model"
)

// Why a duplicate link was refused, checked inside the linking transaction.
var (
	ErrDuplicateCycle   = errors.New("the survivor is (a duplicate of) the ticket itself")
	ErrAlreadyDuplicate = errors.New("the ticket is already a duplicate")
	ErrSurvivorClosed   = errors.New("the survivor is closed")
)

// DuplicateCandidates bounds the open tickets a new one is compared with.
type DuplicateCandidates struct {
	TicketID  int64 // the new ticket: only older tickets are candidates
	Type      string
	OrgUnitID int64 // candidates of this unit,
	TeamID    int64 // or of this team
	Since     time.Time
	Limit     int
}

// LinkDuplicate makes TicketID a duplicate of SurvivorID (or of the ticket
// SurvivorID is itself a duplicate of: links always point at a root).
type LinkDuplicate struct {
	TicketID   int64
	SurvivorID int64
	Score      float64
	ActorID    int64
	Note       string // the reason the duplicate is closed with
	// Check records the ticket's duplicate check (DupeLinked) in the link's
	// transaction; a check recorded already is ErrDupeChecked, nothing linked.
	Check bool
}

// SplitTicket creates Ticket from some of From's source messages.
type SplitTicket struct {
	From    int64
	Sources []int64 // message ids, each a source of From
	Ticket  model.Ticket
	ActorID int64
}

// TicketDuplicates links duplicate tickets to the one that survives,
// keeps suggestions for agents and counts how often a need was raised.
type TicketDuplicates interface {
	// DuplicateCandidates lists open tickets older than the new one, of its
	// type and unit or team, created since, newest first, not duplicates.
	DuplicateCandidates(ctx context.Context, c DuplicateCandidates) ([]model.Ticket, error)
	// LinkDuplicate links, in one transaction holding both tickets' rows:
	// it follows the survivor to its root, refuses a cycle
	// (ErrDuplicateCycle), a ticket already linked (ErrAlreadyDuplicate) and
	// a closed or cancelled root (ErrSurvivorClosed), re-points the
	// ticket's own duplicates at the root, closes the ticket (unless final)
	// with Note, and writes history on both. It returns the link made.
	LinkDuplicate(ctx context.Context, l LinkDuplicate) (model.DuplicateLink, error)
	// DuplicateOf returns the link of a duplicate; ok false for a ticket that is none.
	DuplicateOf(ctx context.Context, ticketID int64) (l model.DuplicateLink, ok bool, err error)
	// Duplicates lists the tickets linked to a survivor, oldest link first.
	Duplicates(ctx context.Context, survivorID int64) ([]model.DuplicateLink, error)
	// Mentions counts a survivor and its duplicates, with distinct requesters.
	Mentions(ctx context.Context, survivorID int64) (model.Mentions, error)
	// MostMentioned lists tickets in scope that are no duplicate, most
	// mentioned first (then oldest), with their counts.
	MostMentioned(ctx context.Context, scope TicketScope, f TicketFilter) ([]MentionedTicket, error)
	// SuggestDuplicates stores open suggestions; existing pairs are kept.
	SuggestDuplicates(ctx context.Context, ticketID int64, s []model.DuplicateSuggestion) error
	// DuplicateSuggestions lists a ticket's suggestions still open, best first.
	DuplicateSuggestions(ctx context.Context, ticketID int64) ([]model.DuplicateSuggestion, error)
	// DecideSuggestion sets an open suggestion accepted or dismissed;
	// ErrNotFound when there is no open one.
	DecideSuggestion(ctx context.Context, ticketID, candidateID int64, state string, actorID int64) error
	// SplitTicket stores a new ticket and moves the sources to it, in one
	// transaction, with history on both and the new ticket's duplicate
	// check recorded skipped (it was split off on purpose); a source that is not From's (any
	// more) is ErrConflict and nothing is written.
	SplitTicket(ctx context.Context, s SplitTicket) (model.Ticket, error)
	// DuplicateSettings returns the admin's settings; ok false when none were set.
	DuplicateSettings(ctx context.Context) (s model.DuplicateSettings, ok bool, err error)
	SetDuplicateSettings(ctx context.Context, s model.DuplicateSettings) error
}

// MentionedTicket is a ticket with how often it was raised.
type MentionedTicket struct {
	model.Ticket
	MentionCount int `json:"mention_count"`
}
