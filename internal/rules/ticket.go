package rules

import (
	"fmt"
	"unicode/utf8"

	"switchboard/internal/model"
)

// TicketAction makes a matching message a ticket of Type ("a message
// becomes a ticket or joins one": a message whose sender has an open
// ticket in the conversation joins that one instead). Factors, when given,
// score the new ticket's priority; TeamID overrides the routing.
type TicketAction struct {
	Type     string        `json:"type,omitempty" yaml:"type,omitempty"`
	Category string        `json:"category,omitempty" yaml:"category,omitempty"`
	TeamID   int64         `json:"team_id,omitempty" yaml:"team_id,omitempty"`
	Factors  TicketFactors `json:"factors,omitzero" yaml:"factors,omitempty"`
	Title    string        `json:"title,omitempty" yaml:"title,omitempty"` // prefix of the title; default the message's first line
}

// TicketFactors are the priority factors a rule gives its tickets, 1–5 each.
type TicketFactors struct {
	UsersAffected     int `json:"users_affected,omitempty" yaml:"users_affected,omitempty"`
	Severity          int `json:"severity,omitempty" yaml:"severity,omitempty"`
	BusinessRelevance int `json:"business_relevance,omitempty" yaml:"business_relevance,omitempty"`
	Effort            int `json:"effort,omitempty" yaml:"effort,omitempty"`
	StrategicFit      int `json:"strategic_fit,omitempty" yaml:"strategic_fit,omitempty"`
}

// IsZero reports whether no factor is given.
func (f TicketFactors) IsZero() bool { return f == TicketFactors{} }

// IsZero reports whether no ticket is asked for.
func (t TicketAction) IsZero() bool {
	return t.Type == "" && t.Category == "" && t.TeamID == 0 && t.Factors.IsZero() && t.Title == ""
}

// Request is the action as the intake commit stores it.
func (t TicketAction) Request() *model.TicketRequest {
	f := t.Factors
	return &model.TicketRequest{Type: t.Type, Category: t.Category, TeamID: t.TeamID, Title: t.Title,
		Factors: model.PriorityFactors{UsersAffected: f.UsersAffected, Severity: f.Severity,
			BusinessRelevance: f.BusinessRelevance, Effort: f.Effort, StrategicFit: f.StrategicFit}}
}

// validateTicket checks what can be checked without the database: the
// ticket types and teams that exist are checked when a rule is saved.
func validateTicket(t TicketAction) *ValidationError {
	if t.IsZero() {
		return nil
	}
	if t.Type == "" {
		return fieldErr("actions.ticket.type", "required: incident, requirement, feedback, task, approval or an admin-defined type")
	}
	if t.TeamID < 0 {
		return fieldErr("actions.ticket.team_id", "must be an org unit id")
	}
	f := t.Factors
	if !f.IsZero() {
		for _, v := range []struct {
			name string
			v    int
		}{{"users_affected", f.UsersAffected}, {"severity", f.Severity}, {"business_relevance", f.BusinessRelevance},
			{"effort", f.Effort}, {"strategic_fit", f.StrategicFit}} {
			if v.v < 1 || v.v > 5 {
				return fieldErr("actions.ticket.factors."+v.name, "%d: each factor is 1–5, and all five are given (or none)", v.v)
			}
		}
	}
	for _, s := range []struct{ field, v string }{{"type", t.Type}, {"category", t.Category}, {"title", t.Title}} {
		if utf8.RuneCountInString(s.v) > MaxTextLen || !utf8.ValidString(s.v) {
			return fieldErr("actions.ticket."+s.field, "not valid UTF-8 or longer than %d characters", MaxTextLen)
		}
	}
	return nil
}

// String is the action in a line, for dry runs and the console.
func (t TicketAction) String() string {
	s := "ticket " + t.Type
	if t.Category != "" {
		s += " · " + t.Category
	}
	if t.TeamID != 0 {
		s += fmt.Sprintf(" · team %d", t.TeamID)
	}
	if !t.Factors.IsZero() {
		f := t.Factors
		s += fmt.Sprintf(" · factors %d/%d/%d/%d/%d", f.UsersAffected, f.Severity, f.BusinessRelevance, f.Effort, f.StrategicFit)
	}
	return s
}
