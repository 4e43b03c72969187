package console

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/model"
)

// timelineEntry is one line of the ticket's story: a change or a comment.
type timelineEntry struct {
	at       time.Time
	When     [2]string
	Who      string
	What     string // the field's name in the page's language
	From, To string // values as people read them
	Note     string
	Comment  string // the body, for a comment
	Public   bool
}

// tr looks a key up in the page's language; an unknown key shows as itself.
func (n *namer) tr(key string) string {
	if s, ok := messages[n.lang][key]; ok {
		return s
	}
	return key
}

// timeline merges the history and the comments, oldest first.
func timeline(n *namer, history []model.TicketChange, comments []model.TicketComment) []timelineEntry {
	var out []timelineEntry
	for _, h := range history {
		e := timelineEntry{at: h.At, Who: n.actor(h.ActorID), What: n.tr("ticket.field." + h.Field), Note: h.Note,
			From: n.value(h.Field, h.From), To: n.value(h.Field, h.To)}
		if e.What == "ticket.field."+h.Field {
			e.What = h.Field // a field this console does not name yet
		}
		out = append(out, e)
	}
	for _, c := range comments {
		key := "ticket.comment_internal"
		if c.Public {
			key = "ticket.comment_public"
		}
		out = append(out, timelineEntry{at: c.CreatedAt, Who: n.actor(c.AuthorID), What: n.tr(key), Comment: c.Body, Public: c.Public})
	}
	slices.SortStableFunc(out, func(a, b timelineEntry) int { return a.at.Compare(b.at) })
	for i := range out {
		out[i].When[0], out[i].When[1] = clock(out[i].at)
	}
	return out
}

// actor names who made a change; nobody is the system (a rule, the queue).
func (n *namer) actor(id int64) string {
	if id == 0 {
		return n.tr("ticket.system")
	}
	return n.user(id)
}

// value renders a history value: statuses by name, ids by who or what they are.
func (n *namer) value(field, v string) string {
	if v == "" {
		return ""
	}
	id, _ := strconv.ParseInt(v, 10, 64)
	switch field {
	case "status", "created":
		return n.tr(statusKey(model.TicketStatus(v)))
	case "assignee_id":
		return n.user(id)
	case "team_id", "org_unit_id", "queue":
		return n.unit(id)
	case "due_at":
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			s, _ := clock(t)
			return s
		}
	}
	return v
}

// ref is a ticket another field points at: duplicate_of, mentions. The
// fields come from other parts of the API, so any of a number, a key or an
// object with id/key/title is read.
type ref struct {
	ID       int64
	Label    string
	PersonID int64 // mentions: who raised it
	Person   string
}

// mentions is how often a ticket's need was raised ({count, people}), or
// a plain list of related tickets.
type mentions struct {
	Count int
	Refs  []ref
}

func parseMentions(raw json.RawMessage) mentions {
	var o struct {
		Count  *int `json:"count"`
		People []struct {
			PersonID int64  `json:"person_id"`
			Name     string `json:"name"`
			TicketID int64  `json:"ticket_id"`
			Key      string `json:"key"`
		} `json:"people"`
	}
	if json.Unmarshal(raw, &o) != nil || o.Count == nil {
		return mentions{Refs: parseRefs(raw)}
	}
	if *o.Count <= 1 {
		return mentions{} // raised once, by its requester: nothing to add
	}
	m := mentions{Count: *o.Count}
	for _, p := range o.People {
		m.Refs = append(m.Refs, ref{ID: p.TicketID, Label: p.Key, PersonID: p.PersonID, Person: p.Name})
	}
	return m
}

func parseRefs(raw json.RawMessage) []ref {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	var out []ref
	for _, item := range list {
		if r, ok := parseRef(item); ok {
			out = append(out, r)
		}
	}
	return out
}

func parseRef(raw json.RawMessage) (ref, bool) {
	var id int64
	if json.Unmarshal(raw, &id) == nil {
		return ref{ID: id, Label: "#" + strconv.FormatInt(id, 10)}, id > 0
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return ref{Label: s}, s != ""
	}
	var o struct {
		ID       int64  `json:"id"`
		TicketID int64  `json:"ticket_id"`
		Key      string `json:"key"`
		Title    string `json:"title"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ref{}, false
	}
	if o.ID == 0 {
		o.ID = o.TicketID
	}
	label := strings.TrimSpace(o.Key + " " + o.Title)
	if label == "" && o.ID > 0 {
		label = fmt.Sprintf("#%d", o.ID)
	}
	return ref{ID: o.ID, Label: label}, label != ""
}
