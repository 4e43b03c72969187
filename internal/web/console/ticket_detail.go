package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/model"
)

// ticketDoc is GET /api/v1/tickets/{id} as the detail page reads it. The
// SLA, duplicate_of and mentions fields come from other parts of the API;
// each is optional and shown only when the API sends it.
type ticketDoc struct {
	model.Ticket
	Allowed     []model.TicketStatus  `json:"allowed_transitions"`
	Sources     []model.TicketSource  `json:"sources"`
	Comments    []model.TicketComment `json:"comments"`
	History     []model.TicketChange  `json:"history"`
	SLA         *slaDoc               `json:"sla"`
	DuplicateOf json.RawMessage       `json:"duplicate_of"`
	Duplicates  json.RawMessage       `json:"duplicates"` // tickets merged into this one
	Mentions    json.RawMessage       `json:"mentions"`
	Suggestions suggestions           `json:"duplicate_suggestions"`
}

// ticketPage is the detail template's data.
type ticketPage struct {
	T           model.Ticket
	Type        string
	StatusKey   string
	Unit, Team  string
	Assignee    string
	Created     [2]string // rendering and stamp
	Due         [2]string
	Score       model.ScoreExplanation
	SLA         []slaClock
	SLAPaused   bool
	SLAPolicy   string
	DuplicateOf []ref
	Duplicates  []ref
	Mentions    mentions
	Sources     []sourceRow
	Comments    []commentRow
	Timeline    []timelineEntry
	Moves       []moveButton
	Agents      []option
	Types       []option
	Error       string // the API's answer to what was just tried
	Notice      string // a key of messages: what just happened
	CommentText string // kept when a comment failed
	Suggestions []suggestionRow
	Agent       *agentBar
}

type moveButton struct {
	To          string
	Key         string
	NeedsReason bool
}

type commentRow struct {
	Author string
	Body   string
	Public bool
	When   [2]string
}

// ticketData is the JSON the detail page's script reads.
type ticketData struct {
	Page     string            `json:"page"`
	TicketID int64             `json:"ticket_id"`
	Strings  map[string]string `json:"strings"`
}

func (c *Console) ticketDetail(w http.ResponseWriter, r *http.Request) {
	c.showTicket(w, r, http.StatusOK, ticketPage{})
}

// loadTicket reads the ticket through the API, which answers 403 (audited)
// for another department's ticket and 404 for none.
func (c *Console) loadTicket(r *http.Request) (ticketDoc, error) {
	var d ticketDoc
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return d, &apiError{Status: http.StatusNotFound}
	}
	err = c.callAPI(r, "GET", "/api/v1/tickets/"+strconv.FormatInt(id, 10), nil, nil, &d)
	return d, err
}

// showTicket renders the detail page; page may carry an error or notice.
func (c *Console) showTicket(w http.ResponseWriter, r *http.Request, status int, page ticketPage) {
	d, err := c.loadTicket(r)
	if err != nil {
		c.failAPI(w, r, err)
		return
	}
	n, err := c.newNamer(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.fillTicketPage(r, n, d, &page)
	page.Suggestions, page.Agent = suggestionRows(d.Suggestions), c.agentBarFor(r)
	data := ticketData{Page: "ticket", TicketID: d.ID, Strings: ticketJS(n.lang)}
	c.render(w, r, status, "ticket", view{Title: "ticket.title", Page: page, Data: data})
}

func (c *Console) fillTicketPage(r *http.Request, n *namer, d ticketDoc, page *ticketPage) {
	t := d.Ticket
	page.T, page.Type, page.StatusKey, page.Score = t, n.typeLabel(t.Type), statusKey(t.Status), t.Explanation
	page.Unit, page.Team, page.Assignee = n.unit(t.OrgUnitID), n.unit(t.TeamID), n.user(t.AssigneeID)
	page.Created[0], page.Created[1] = clock(t.CreatedAt)
	page.Due[0], page.Due[1] = clock(t.DueAt)
	if d.SLA != nil {
		page.SLA, page.SLAPaused, page.SLAPolicy = d.SLA.clocks(n), d.SLA.Paused, d.SLA.policyName()
	}
	page.DuplicateOf, page.Duplicates, page.Mentions = parseRefs(d.DuplicateOf), parseRefs(d.Duplicates), parseMentions(d.Mentions)
	for _, to := range d.Allowed {
		page.Moves = append(page.Moves, moveButton{To: string(to), Key: statusKey(to), NeedsReason: needsReason(t.Status, to)})
	}
	page.Sources = c.sourceRows(r, d.Sources)
	for _, cm := range d.Comments {
		row := commentRow{Author: n.user(cm.AuthorID), Body: cm.Body, Public: cm.Public}
		row.When[0], row.When[1] = clock(cm.CreatedAt)
		page.Comments = append(page.Comments, row)
	}
	page.Timeline = timeline(n, d.History, d.Comments)
	page.Agents = c.agentOptions(r, n, t)
	for _, ty := range n.types {
		page.Types = append(page.Types, option{Value: ty.Name, Label: n.typeLabel(ty.Name)})
	}
}

// needsReason mirrors the lifecycle's rule (cancelling, reopening), so the
// page can ask for the reason up front; the API still decides.
func needsReason(from, to model.TicketStatus) bool {
	return to == model.TicketCancelled || (from == model.TicketResolved && to == model.TicketInProgress)
}

// agentOptions are the agents who may take the ticket: those of its team,
// or of its unit when it has none, plus whoever holds it now.
func (c *Console) agentOptions(r *http.Request, n *namer, t model.Ticket) []option {
	unit := t.TeamID
	if unit == 0 {
		unit = t.OrgUnitID
	}
	ids, err := c.api.Store.UsersWithRole(r.Context(), unit, model.RoleAgent)
	if err != nil {
		return nil
	}
	if t.AssigneeID != 0 && !slices.Contains(ids, t.AssigneeID) {
		ids = append(ids, t.AssigneeID)
	}
	var out []option
	for _, id := range ids {
		out = append(out, option{Value: strconv.FormatInt(id, 10), Label: n.user(id)})
	}
	return out
}

// sourceRow is a message the ticket came from, as far as the viewer may
// read it (the API scopes the message like any other read).
type sourceRow struct {
	MessageID      int64
	ConversationID int64
	Sender         string
	SenderID       int64
	Text           string
	When           [2]string
	Attachments    []model.Attachment
	Hidden         bool // outside the viewer's message scope
}

func (c *Console) sourceRows(r *http.Request, srcs []model.TicketSource) []sourceRow {
	var out []sourceRow
	for _, s := range srcs {
		row := sourceRow{MessageID: s.MessageID, ConversationID: s.ConversationID}
		m, err := c.api.GetMessage(r, s.MessageID)
		if err != nil {
			row.Hidden = true
		} else {
			row.Sender, row.SenderID, row.Text, row.Attachments = m.SenderName, m.SenderID, strings.TrimSpace(m.Text), m.Attachments
			row.When[0], row.When[1] = clock(m.SentAt)
		}
		out = append(out, row)
	}
	return out
}
