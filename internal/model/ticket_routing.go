package model

// Assignment modes of a team.
const (
	AssignRoundRobin  = "round_robin"  // the available agent assigned to longest ago
	AssignLeastLoaded = "least_loaded" // the available agent with the fewest open tickets
)

// RouteRule sends new tickets without a team to TeamID. Empty Type,
// Priority or Category match any; the first matching rule wins.
type RouteRule struct {
	Type     string `json:"type"`
	Priority string `json:"priority"`
	Category string `json:"category"`
	TeamID   int64  `json:"team_id"`
}

// TeamAssign is how a team's tickets are handed to its agents.
type TeamAssign struct {
	TeamID int64  `json:"team_id"`
	Mode   string `json:"mode"`
}

// TicketRouting is the admin's routing and assignment configuration.
// Teams not listed assign least-loaded; DefaultCapacity applies to agents
// without a capacity of their own.
type TicketRouting struct {
	Rules           []RouteRule  `json:"rules"`
	Teams           []TeamAssign `json:"teams"`
	DefaultCapacity int          `json:"default_capacity"`
}

// TicketAgent is an agent's assignment state.
type TicketAgent struct {
	UserID    int64 `json:"user_id"`
	Available bool  `json:"available"`
	Capacity  int   `json:"capacity"` // 0: the routing's default
}
