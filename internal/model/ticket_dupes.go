package model

import "time"

// DuplicateSettings are the admin's thresholds for duplicate detection.
// A new ticket whose similarity to an open one reaches Link becomes its
// duplicate; from Suggest up to Link the match is offered to the agent.
type DuplicateSettings struct {
	Enabled    bool     `json:"enabled"`
	Suggest    float64  `json:"suggest"`     // 0–1
	Link       float64  `json:"link"`        // Suggest–1
	WindowDays int      `json:"window_days"` // candidates created this recently
	Candidates int      `json:"candidates"`  // at most this many newest candidates compared
	Types      []string `json:"types"`       // ticket types checked on creation
}

// DuplicateLink says a ticket is a duplicate of a surviving one.
type DuplicateLink struct {
	TicketID   int64     `json:"ticket_id"`
	SurvivorID int64     `json:"survivor_id"`
	Score      float64   `json:"score"`               // similarity; 0 when an agent merged by hand
	LinkedBy   int64     `json:"linked_by,omitempty"` // user; 0 when automatic
	LinkedAt   time.Time `json:"linked_at"`
}

// DuplicateSuggestion is a possible original of a ticket, for an agent to
// accept (merge) or dismiss.
type DuplicateSuggestion struct {
	TicketID    int64        `json:"ticket_id"`
	CandidateID int64        `json:"candidate_id"`
	Key         string       `json:"key"` // the candidate's SB number
	Title       string       `json:"title"`
	Status      TicketStatus `json:"status"`
	Score       float64      `json:"score"`
	State       string       `json:"state"` // open, accepted, dismissed
	CreatedAt   time.Time    `json:"created_at"`
}

// Suggestion states.
const (
	SuggestionOpen      = "open"
	SuggestionAccepted  = "accepted"
	SuggestionDismissed = "dismissed"
)

// Mentioner is one person who raised a need, with the ticket they raised.
type Mentioner struct {
	PersonID int64  `json:"person_id,omitempty"`
	Name     string `json:"name,omitempty"`
	TicketID int64  `json:"ticket_id"`
	Key      string `json:"key"`
}

// Mentions counts how often a need was raised: the surviving ticket and
// each of its duplicates once, and the distinct people who raised it.
type Mentions struct {
	Count  int         `json:"count"`
	People []Mentioner `json:"people"`
}
