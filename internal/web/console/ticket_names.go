package console

import (
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/model"
)

// namer turns the ids a ticket holds into the names a page shows: units,
// users and type labels, looked up once per page.
type namer struct {
	c        *Console
	r        *http.Request
	lang     string
	unitList []model.OrgUnit
	units    map[int64]string
	users    map[int64]string
	types    []model.TicketType
	flows    map[string]string // type → lifecycle flow
	typeOf   map[int64]string  // ticket id → type, for the board's moves
	now      time.Time
}

func (c *Console) newNamer(r *http.Request) (*namer, error) {
	n := &namer{c: c, r: r, lang: langOf(r), units: map[int64]string{}, users: map[int64]string{},
		flows: map[string]string{}, typeOf: map[int64]string{}, now: time.Now()}
	var err error
	if n.unitList, err = c.api.Store.ListOrgUnits(r.Context()); err != nil {
		return nil, err
	}
	for _, u := range n.unitList {
		n.units[u.ID] = u.Name
	}
	if n.types, err = c.api.Store.TicketTypes(r.Context()); err != nil {
		return nil, err
	}
	for _, t := range n.types {
		n.flows[t.Name] = t.Flow
	}
	return n, nil
}

func (n *namer) typeLabel(name string) string {
	for _, t := range n.types {
		if t.Name == name {
			if n.lang == LangZH && t.LabelZH != "" {
				return t.LabelZH
			}
			if t.LabelEN != "" {
				return t.LabelEN
			}
		}
	}
	return name
}

// user names a user; an id that no longer resolves shows as "#id".
func (n *namer) user(id int64) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.users[id]; ok {
		return s
	}
	s := "#" + strconv.FormatInt(id, 10)
	if u, err := n.c.api.Store.GetUser(n.r.Context(), id); err == nil {
		s = u.Name
		if s == "" {
			s = u.Login
		}
	}
	n.users[id] = s
	return s
}

func (n *namer) unit(id int64) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.units[id]; ok {
		return s
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (n *namer) row(t model.Ticket) ticketRow {
	n.typeOf[t.ID] = t.Type
	row := ticketRow{ID: t.ID, Key: t.Key, Title: t.Title, Type: n.typeLabel(t.Type), Status: t.Status, StatusKey: statusKey(t.Status),
		Priority: t.Priority, Score: t.Score, Assignee: n.user(t.AssigneeID), Team: n.unit(t.TeamID), Unit: n.unit(t.OrgUnitID),
		Requester: t.Requester.Name, RequesterID: t.Requester.PersonID, Version: t.Version}
	row.Updated, row.UpdatedAt = clock(t.UpdatedAt)
	row.Due, row.DueAt = clock(t.DueAt)
	row.Overdue = !t.DueAt.IsZero() && t.DueAt.Before(n.now) && open(t.Status)
	return row
}

// open reports whether a ticket still needs work.
func open(s model.TicketStatus) bool {
	return s != model.TicketResolved && s != model.TicketClosed && s != model.TicketCancelled
}
