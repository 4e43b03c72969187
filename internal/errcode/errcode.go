// Package errcode is Switchboard's numbered error catalogue. Every error a
// client can see has a stable code, an HTTP status and a message; the HTTP
// edge turns them into {"error":{"code","message"}} in one place.
package errcode

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is one catalogue entry, optionally with detail for this occurrence.
type Error struct {
	Code    string // "SB-1001"
	Status  int
	Message string
	Reason  string // short metric label, e.g. "bad_signature"
	Detail  string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Message + ": " + e.Detail
	}
	return e.Code + ": " + e.Message
}

// Is makes errors.Is match on the code, ignoring detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// With returns a copy carrying detail for this occurrence.
func (e *Error) With(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

func def(code string, status int, reason, msg string) *Error {
	e := &Error{Code: code, Status: status, Reason: reason, Message: msg}
	catalogue = append(catalogue, e)
	return e
}

var catalogue []*Error

// All lists the catalogue, for documentation.
func All() []*Error { return catalogue }

// The catalogue. 1xxx: inbound callbacks; 2xxx: API requests; 3xxx: auth and
// permission; 5xxx: server side.
var (
	BadSignature    = def("SB-1001", http.StatusUnauthorized, "bad_signature", "signature does not match")
	StaleTimestamp  = def("SB-1002", http.StatusUnauthorized, "stale_timestamp", "timestamp missing or outside the accepted window")
	MalformedBody   = def("SB-1003", http.StatusBadRequest, "malformed", "request body is malformed")
	BodyTooLarge    = def("SB-1004", http.StatusRequestEntityTooLarge, "too_large", "request body exceeds the limit")
	UnknownChannel  = def("SB-1005", http.StatusNotFound, "unknown_channel", "no such channel")
	ChannelDisabled = def("SB-1006", http.StatusNotFound, "channel_disabled", "channel is disabled")
	MissingField    = def("SB-1007", http.StatusBadRequest, "missing_field", "a required field is missing")
	BadAttachment   = def("SB-1008", http.StatusBadRequest, "bad_attachment", "attachment is invalid")
	NotFound        = def("SB-2001", http.StatusNotFound, "not_found", "not found")
	InvalidRequest  = def("SB-2002", http.StatusBadRequest, "invalid", "invalid request")
	Conflict        = def("SB-2003", http.StatusConflict, "conflict", "conflicts with an existing record")
	BadCursor       = def("SB-2004", http.StatusBadRequest, "bad_cursor", "invalid cursor or filter value")
	Unsupported     = def("SB-2005", http.StatusUnprocessableEntity, "unsupported", "the channel does not support this")
	InvalidRule     = def("SB-2006", http.StatusBadRequest, "invalid_rule", "rule is invalid")
	// 21xx: tickets.
	BadTransition   = def("SB-2101", http.StatusConflict, "bad_transition", "the ticket cannot move from its status to that one")
	StaleVersion    = def("SB-2102", http.StatusConflict, "stale_version", "the ticket was changed meanwhile; reload it and apply your change again")
	UnknownType     = def("SB-2103", http.StatusUnprocessableEntity, "unknown_ticket_type", "no such ticket type")
	ReasonRequired  = def("SB-2104", http.StatusUnprocessableEntity, "reason_required", "this transition needs a reason the requester will read")
	BadFactor       = def("SB-2105", http.StatusUnprocessableEntity, "bad_factor", "priority factors are 1 to 5 each (all five, or none)")
	BadWeights      = def("SB-2106", http.StatusUnprocessableEntity, "bad_weights", "priority weights are 0 to 10 each, at least one above 0")
	SourceTaken     = def("SB-2107", http.StatusConflict, "source_taken", "the source messages already belong to different tickets")
	BadTicketField  = def("SB-2108", http.StatusUnprocessableEntity, "bad_ticket_field", "a ticket field has an invalid value")
	Unauthenticated = def("SB-3001", http.StatusUnauthorized, "unauthenticated", "sign in or send a valid API token")
	BadCredentials  = def("SB-3002", http.StatusUnauthorized, "bad_credentials", "wrong login or password")
	Forbidden       = def("SB-3003", http.StatusForbidden, "forbidden", "you do not have permission for this")
	AccountDisabled = def("SB-3004", http.StatusForbidden, "disabled", "account is disabled")
	CrossOrigin     = def("SB-3005", http.StatusForbidden, "cross_origin", "a browser request from another site may not change anything here")
	Internal        = def("SB-5001", http.StatusInternalServerError, "internal", "internal error")
	Unavailable     = def("SB-5002", http.StatusServiceUnavailable, "unavailable", "temporarily unable to store; retry")
	ShuttingDown    = def("SB-5003", http.StatusServiceUnavailable, "shutting_down", "server is shutting down; retry")
)

// From finds the catalogue error in err, or Internal.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal
}
