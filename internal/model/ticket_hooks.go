package model

import (
	"strconv"
	"time"
)

// Ticket webhook event types. Every event a webhook receives has one.
const (
	HookTicketCreated       = "ticket.created"
	HookTicketUpdated       = "ticket.updated"
	HookTicketStatusChanged = "ticket.status_changed"
	HookTicketCommented     = "ticket.commented"
)

// HookEventTypes lists every ticket webhook event type.
var HookEventTypes = []string{HookTicketCreated, HookTicketUpdated, HookTicketStatusChanged, HookTicketCommented}

// TicketWebhook is an admin-registered endpoint told of ticket events.
// The secret signs every request and is never shown after it is set.
type TicketWebhook struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	URL             string    `json:"url"`
	Secret          string    `json:"-"`
	Events          []string  `json:"events"` // empty: every event type
	IncludeInternal bool      `json:"include_internal"`
	Active          bool      `json:"active"`
	CreatedBy       int64     `json:"created_by,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Wants reports whether the webhook takes events of type typ; internal
// events (internal comments) only when it opted in.
func (w TicketWebhook) Wants(typ string, internal bool) bool {
	if !w.Active || (internal && !w.IncludeInternal) {
		return false
	}
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == typ {
			return true
		}
	}
	return false
}

// Ticket webhook delivery states.
const (
	HookPending   = "pending"
	HookDelivered = "delivered"
	HookDead      = "dead"
)

// TicketHookDelivery is one event on its way to one webhook, with what the
// last attempt got.
type TicketHookDelivery struct {
	ID           int64     `json:"id"`
	WebhookID    int64     `json:"webhook_id"`
	EventID      int64     `json:"event_id"`
	EventKey     string    `json:"event"` // the stable event id the receiver sees
	EventType    string    `json:"type"`
	TicketID     int64     `json:"ticket_id"`
	State        string    `json:"state"`
	Attempts     int       `json:"attempts"`
	NextAt       time.Time `json:"next_attempt_at,omitzero"`
	ResponseCode int       `json:"response_code,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	LatencyMS    int64     `json:"latency_ms"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Payload      []byte    `json:"-"` // the JSON body, the same on every attempt
}

// TicketFieldDef is one field an admin-defined ticket type carries.
type TicketFieldDef struct {
	Name     string   `json:"name"`
	LabelZH  string   `json:"label_zh"`
	LabelEN  string   `json:"label_en"`
	Kind     string   `json:"kind"` // text, number, date or select
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required"`
}

// Ticket field kinds.
var TicketFieldKinds = []string{"text", "number", "date", "select"}

// ExternalRef is a ticket's key in an external system (a Jira issue).
type ExternalRef struct {
	System    string    `json:"system"`
	Ref       string    `json:"ref"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AlertTicketHookDead is raised when a ticket webhook delivery gives up.
const AlertTicketHookDead = "ticket_hook_dead"

// HookEventKey is the stable id of a ticket webhook event, named after the
// change it reports (a history row or a comment): the same on every
// attempt, redelivery and node.
func HookEventKey(source string, sourceID int64) string {
	return "tkt_" + source + "_" + strconv.FormatInt(sourceID, 10)
}
