package model

import "time"

// TicketView is a named set of ticket-list filters a user saved, kept as
// the list page's query string so a view opens exactly what was on screen.
// A view shared with an org unit is listed for everyone holding a role there;
// only its owner deletes it.
type TicketView struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	OrgUnitID int64     `json:"org_unit_id,omitempty"` // shared with this unit; 0: private
	Name      string    `json:"name"`
	Query     string    `json:"query"` // e.g. "status=accepted,in_progress&mine=1"
	CreatedAt time.Time `json:"created_at"`
}
