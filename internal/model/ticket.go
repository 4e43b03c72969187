package model

import (
	"strconv"
	"strings"
	"time"
)

// TicketStatus is where a work item stands in its lifecycle.
type TicketStatus string

// Ticket statuses. Confirmed is used by requirement-flow types only.
const (
	TicketAccepted   TicketStatus = "accepted"    // 已受理
	TicketInProgress TicketStatus = "in_progress" // 处理中
	TicketWaiting    TicketStatus = "waiting"     // 待反馈: waiting for the requester
	TicketResolved   TicketStatus = "resolved"    // 已解决
	TicketClosed     TicketStatus = "closed"      // 已关闭
	TicketCancelled  TicketStatus = "cancelled"   // 已取消
	TicketConfirmed  TicketStatus = "confirmed"   // 已确认 (requirements)
)

// Built-in ticket types; admins may add more rows to the ticket_types table.
const (
	TypeIncident    = "incident"    // 故障
	TypeRequirement = "requirement" // 需求
	TypeFeedback    = "feedback"    // 反馈
	TypeTask        = "task"        // 任务
	TypeApproval    = "approval"    // 审批
)

// Lifecycle flows a ticket type follows.
const (
	FlowStandard    = "standard"    // accepted → in progress → waiting → resolved → closed
	FlowRequirement = "requirement" // adds 已确认 confirmed after accepted
)

// TicketType is one kind of work item. Types live in a table so admins can
// add their own; Fields names the extra fields the type carries.
type TicketType struct {
	Name    string           `json:"name"`
	LabelZH string           `json:"label_zh"`
	LabelEN string           `json:"label_en"`
	Flow    string           `json:"flow"`
	Fields  []TicketFieldDef `json:"fields"`
	Builtin bool             `json:"builtin"`
}

// TicketPrefix starts every human ticket number ("SB-1024").
const TicketPrefix = "SB-"

// TicketKey formats a ticket's human number.
func TicketKey(number int64) string { return TicketPrefix + strconv.FormatInt(number, 10) }

// ParseTicketKey reads "SB-1024" (any case) or a bare "1024" into a number.
func ParseTicketKey(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > len(TicketPrefix) && strings.EqualFold(s[:len(TicketPrefix)], TicketPrefix) {
		s = s[len(TicketPrefix):]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// Requester is who asked: a person and where they asked, so answers go back
// to the conversation they came from.
type Requester struct {
	PersonID       int64  `json:"person_id,omitempty"`
	Name           string `json:"name,omitempty"`
	ChannelID      int64  `json:"channel_id,omitempty"`
	ConversationID int64  `json:"conversation_id,omitempty"`
	ExternalID     string `json:"external_id,omitempty"` // their identity on that channel
}

// PriorityFactors are the scored inputs, each 1–5 (0: not scored).
type PriorityFactors struct {
	UsersAffected     int `json:"users_affected"`
	Severity          int `json:"severity"`
	BusinessRelevance int `json:"business_relevance"`
	Effort            int `json:"effort"` // 1 little work … 5 a lot; counts inverted
	StrategicFit      int `json:"strategic_fit"`
}

// Zero reports whether no factor was given.
func (f PriorityFactors) Zero() bool { return f == PriorityFactors{} }

// PriorityWeights are the admin-set weights of the factors (0–10 each).
type PriorityWeights struct {
	UsersAffected     int `json:"users_affected"`
	Severity          int `json:"severity"`
	BusinessRelevance int `json:"business_relevance"`
	Effort            int `json:"effort"`
	StrategicFit      int `json:"strategic_fit"`
}

// FactorScore is one factor's part of a score.
type FactorScore struct {
	Factor       string  `json:"factor"`
	Value        int     `json:"value"`     // as given, 1–5
	Effective    int     `json:"effective"` // as counted (effort inverted: 6 − value)
	Weight       int     `json:"weight"`
	Contribution float64 `json:"contribution"` // weight × effective / Σweights, on the 1–5 scale
}

// ScoreExplanation shows how a ticket's score and priority were reached.
type ScoreExplanation struct {
	Scored     bool          `json:"scored"` // false: no factors, the default priority
	Factors    []FactorScore `json:"factors,omitempty"`
	Weighted   float64       `json:"weighted"` // Σ contributions, 1–5
	Score      int           `json:"score"`    // (weighted − 1) / 4 × 100, rounded
	Priority   string        `json:"priority"`
	Formula    string        `json:"formula"`
	Thresholds string        `json:"thresholds"`
}

// Ticket is one work item: an incident, requirement, feedback, task or approval.
type Ticket struct {
	ID          int64             `json:"id"`
	Number      int64             `json:"number"`
	Key         string            `json:"key"` // "SB-1024"
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Status      TicketStatus      `json:"status"`
	Priority    string            `json:"priority"` // P1–P4
	Score       int               `json:"score"`    // 0–100
	Factors     PriorityFactors   `json:"factors"`
	Explanation ScoreExplanation  `json:"score_explanation"`
	Requester   Requester         `json:"requester"`
	OrgUnitID   int64             `json:"org_unit_id"`
	TeamID      int64             `json:"team_id,omitempty"`
	AssigneeID  int64             `json:"assignee_id,omitempty"`
	Watchers    []int64           `json:"watchers"`
	Category    string            `json:"category"`
	Tags        []string          `json:"tags"`
	Fields      map[string]string `json:"fields"` // type-specific and extracted fields
	DueAt       time.Time         `json:"due_at,omitzero"`
	CreatedBy   int64             `json:"created_by,omitempty"` // user id; 0 for a rule
	Version     int64             `json:"version"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	ResolvedAt  time.Time         `json:"resolved_at,omitzero"`
	ClosedAt    time.Time         `json:"closed_at,omitzero"`
	CSAT        int               `json:"csat,omitempty"` // the requester's rating 1–5 after resolution; 0 not rated
}

// TicketSource is a message a ticket was made from or that joined it. A
// message is the source of at most one ticket.
type TicketSource struct {
	MessageID      int64     `json:"message_id"`
	ChannelID      int64     `json:"channel_id"`
	ConversationID int64     `json:"conversation_id"`
	AddedBy        int64     `json:"added_by,omitempty"`
	AddedAt        time.Time `json:"added_at"`
}

// TicketComment is a note on a ticket: public ones may be shown to the
// requester, internal ones only to staff.
type TicketComment struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	AuthorID  int64     `json:"author_id"`
	Body      string    `json:"body"`
	Public    bool      `json:"public"`
	CreatedAt time.Time `json:"created_at"`
}

// TicketChange is one history entry: who changed which field, from what to what.
type TicketChange struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id,omitempty"`
	Field    string    `json:"field"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Note     string    `json:"note,omitempty"` // e.g. the reason of a transition
}
