package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

func init() { pages = append(pages, "tickets", "ticket_board", "ticket") }

// mountTickets registers the ticket pages (list, board, detail) and their forms.
func (c *Console) mountTickets(mux *http.ServeMux) {
	mux.Handle("GET /tickets", c.signedIn(c.ticketList))
	mux.Handle("GET /tickets/board", c.signedIn(c.ticketBoard))
	mux.Handle("GET /tickets/{id}", c.signedIn(c.ticketDetail))
	mux.Handle("POST /tickets/{id}/transition", c.signedIn(c.ticketTransition))
	mux.Handle("POST /tickets/{id}/comment", c.signedIn(c.ticketComment))
	mux.Handle("POST /tickets/{id}/assign", c.signedIn(c.ticketAssign))
	mux.Handle("POST /tickets/{id}/merge", c.signedIn(c.ticketMerge))
	mux.Handle("POST /tickets/{id}/split", c.signedIn(c.ticketSplit))
	mux.Handle("POST /tickets/views", c.signedIn(c.saveView))
	mux.Handle("POST /tickets/views/{id}/delete", c.signedIn(c.deleteView))
	c.mountTicketAgent(mux)
}

// allStatuses is the order statuses are offered and shown in.
var allStatuses = []model.TicketStatus{model.TicketAccepted, model.TicketConfirmed, model.TicketInProgress,
	model.TicketWaiting, model.TicketResolved, model.TicketClosed, model.TicketCancelled}

// boardColumns are the board's columns: the open statuses and resolved.
var boardColumns = []model.TicketStatus{model.TicketAccepted, model.TicketConfirmed, model.TicketInProgress,
	model.TicketWaiting, model.TicketResolved}

func statusKey(s model.TicketStatus) string { return "ticket.status." + string(s) }

// ticketFilter is the list's filter form as the visitor filled it in; it
// travels as the page's query string, which is also what a saved view keeps.
type ticketFilter struct {
	Status    []string `json:"status"`
	Type      string   `json:"type"`
	Priority  string   `json:"priority"`
	Assignee  string   `json:"assignee"` // "", "mine", "unassigned" or a user id
	OrgUnitID string   `json:"org_unit_id"`
	TeamID    string   `json:"team_id"`
	Q         string   `json:"q"`
	Requester string   `json:"requester_id"` // a person id: their tickets (from the person page)
	Cursor    string   `json:"cursor"`
}

func parseTicketFilter(q url.Values) ticketFilter {
	f := ticketFilter{Type: q.Get("type"), Priority: q.Get("priority"), Assignee: q.Get("assignee"),
		OrgUnitID: q.Get("org_unit_id"), TeamID: q.Get("team_id"), Q: strings.TrimSpace(q.Get("q")), Requester: q.Get("requester_id"),
		Cursor: q.Get("cursor")}
	for _, v := range q["status"] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(f.Status, s) {
				f.Status = append(f.Status, s)
			}
		}
	}
	return f
}

// apiQuery is the filter as GET /api/v1/tickets reads it; the API
// validates it, so a bad value shows the API's own message.
func (f ticketFilter) apiQuery(limit int) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("status", strings.Join(f.Status, ","))
	set("type", f.Type)
	set("priority", f.Priority)
	set("org_unit_id", f.OrgUnitID)
	set("team_id", f.TeamID)
	set("q", f.Q)
	set("requester_id", f.Requester)
	set("cursor", f.Cursor)
	switch f.Assignee {
	case "":
	case "mine":
		v.Set("mine", "true")
	case "unassigned":
		v.Set("unassigned", "true")
	default:
		v.Set("assignee_id", f.Assignee)
	}
	v.Set("limit", strconv.Itoa(limit))
	return v
}

// query encodes the filter for the console's own URLs, with a cursor.
func (f ticketFilter) query(cursor string) string {
	f.Cursor = cursor
	v := f.apiQuery(0)
	v.Del("limit")
	for _, k := range []string{"mine", "unassigned", "assignee_id"} {
		v.Del(k)
	}
	if f.Assignee != "" {
		v.Set("assignee", f.Assignee)
	}
	return v.Encode()
}

// HasStatus is for the status checkboxes.
func (f ticketFilter) HasStatus(s string) bool { return slices.Contains(f.Status, s) }

// option is one entry of a select.
type option struct {
	Value, Label string
	Key          bool // Label is a string key
}

// ticketRow is one ticket as the list and the board show it.
type ticketRow struct {
	ID                   int64
	Key, Title           string
	Type                 string // label in the page's language
	Status               model.TicketStatus
	StatusKey            string
	Priority             string
	Score                int
	Assignee, Team, Unit string
	Requester            string
	RequesterID          int64
	Updated, UpdatedAt   string
	Due, DueAt           string
	Overdue              bool
	Version              int64
	Moves                []option // board: statuses it may move to (Value) with their keys (Label)
}

type ticketListPage struct {
	Filter    ticketFilter
	Error     string // the API's answer to a rejected filter
	Statuses  []option
	Types     []option
	Prios     []string
	Units     []option
	Rows      []ticketRow
	MoreURL   string
	Views     []viewRow
	ViewUnits []option // the units a view may be shared with
	Query     string   // this filter as a query string, for saving it as a view
	Board     bool
	Columns   []boardColumn
	Path      string // where forms on the page return to
	Agent     *agentBar
}

type boardColumn struct {
	Status    model.TicketStatus
	StatusKey string
	Cards     []ticketRow
}

// ticketListData is the JSON the script reads on the list and the board.
type ticketListData struct {
	Page    string            `json:"page"`
	Strings map[string]string `json:"strings"`
}

func (c *Console) ticketList(w http.ResponseWriter, r *http.Request) {
	c.showTickets(w, r, false, nil)
}

func (c *Console) ticketBoard(w http.ResponseWriter, r *http.Request) {
	c.showTickets(w, r, true, nil)
}

// showTickets renders the list or the board; failed is the API's answer
// to what the visitor just tried there (a move, saving a view).
func (c *Console) showTickets(w http.ResponseWriter, r *http.Request, board bool, failed *apiError) {
	f := parseTicketFilter(r.URL.Query())
	page := ticketListPage{Filter: f, Prios: []string{"P1", "P2", "P3", "P4"}, Board: board, Query: f.query(""), Path: r.URL.RequestURI()}
	n, err := c.newNamer(r)
	if err == nil {
		c.fillTicketOptions(r, n, &page)
		err = c.fillTicketRows(r, n, &page)
	}
	if err == nil {
		err = c.fillViews(r, n, &page)
	}
	page.Agent = c.agentBarFor(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if failed == nil && page.Error != "" {
		status = http.StatusBadRequest
	}
	if failed != nil {
		status, page.Error = failed.Status, failed.Code+": "+failed.Message
	}
	title, name := "tickets.title", "tickets"
	if board {
		title, name = "board.title", "ticket_board"
	}
	c.render(w, r, status, name, view{Title: title, Page: page, Data: ticketListData{Page: name, Strings: ticketJS(langOf(r))}})
}

// fillTicketRows runs the list query through the API; a filter it refuses
// becomes the page's error, with the API's message.
func (c *Console) fillTicketRows(r *http.Request, n *namer, page *ticketListPage) error {
	f, limit := page.Filter, 50
	if page.Board {
		limit = 200
		if len(f.Status) == 0 {
			for _, s := range boardColumns {
				f.Status = append(f.Status, string(s))
			}
		}
	}
	var res struct {
		Items      []model.Ticket `json:"items"`
		NextCursor string         `json:"next_cursor"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/tickets", f.apiQuery(limit), nil, &res); err != nil {
		e, ok := asAPIError(err)
		if !ok || e.Status >= 500 || e.Code == "" {
			return err
		}
		page.Error = e.Code + ": " + e.Message
	}
	for _, t := range res.Items {
		page.Rows = append(page.Rows, n.row(t))
	}
	if res.NextCursor != "" && !page.Board {
		page.MoreURL = "/tickets?" + f.query(res.NextCursor)
	}
	if page.Board {
		page.Columns = makeColumns(page.Rows, n)
	}
	return nil
}

// makeColumns sorts the board's cards into its columns, each card with the
// moves its type's lifecycle allows to another column.
func makeColumns(rows []ticketRow, n *namer) []boardColumn {
	cols := make([]boardColumn, len(boardColumns))
	for i, s := range boardColumns {
		cols[i] = boardColumn{Status: s, StatusKey: statusKey(s)}
	}
	for _, row := range rows {
		i := slices.Index(boardColumns, row.Status)
		if i < 0 {
			continue
		}
		for _, to := range ticket.Allowed(n.flows[n.typeOf[row.ID]], row.Status) {
			if slices.Contains(boardColumns, to) {
				row.Moves = append(row.Moves, option{Value: string(to), Label: statusKey(to), Key: true})
			}
		}
		cols[i].Cards = append(cols[i].Cards, row)
	}
	return cols
}

// fillTicketOptions lists what the filters offer.
func (c *Console) fillTicketOptions(r *http.Request, n *namer, page *ticketListPage) {
	for _, s := range allStatuses {
		page.Statuses = append(page.Statuses, option{Value: string(s), Label: statusKey(s), Key: true})
	}
	for _, t := range n.types {
		page.Types = append(page.Types, option{Value: t.Name, Label: n.typeLabel(t.Name)})
	}
	p, _ := auth.From(r.Context())
	visible, err := c.subtrees(r.Context(), p.Scope.Units)
	if err != nil {
		return
	}
	for _, u := range n.unitList {
		if p.Scope.All || visible[u.ID] {
			page.Units = append(page.Units, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
}

// clock renders a time for the page: the server's rendering and the RFC
// 3339 stamp the script localises.
func clock(t time.Time) (string, string) {
	if t.IsZero() {
		return "", ""
	}
	return t.Local().Format("2006-01-02 15:04"), t.UTC().Format(time.RFC3339)
}
