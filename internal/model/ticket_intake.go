package model

// TicketRequest is a rule's "make this message a ticket": the type, and
// optionally category, team, priority factors and title. A message in a
// conversation where its sender already has an open ticket joins that one.
type TicketRequest struct {
	Type     string          `json:"type"`
	Category string          `json:"category,omitempty"`
	TeamID   int64           `json:"team_id,omitempty"`
	Factors  PriorityFactors `json:"factors,omitzero"`
	Title    string          `json:"title,omitempty"`
}

// TicketExtractor pulls one key fact out of a ticket's source text into
// Fields[Name]: the first capture group of Pattern, or the whole match.
type TicketExtractor struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Pattern string `json:"pattern"`
}
