package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/model"
)

func init() { pages = append(pages, "tickets_mentioned") }

// mountTicketAgent registers the agent's ticket tools: duplicate
// suggestions on a ticket, the most-mentioned list and the availability
// switch. Like the other ticket pages they go through the API in process.
func (c *Console) mountTicketAgent(mux *http.ServeMux) {
	mux.Handle("GET /tickets/most-mentioned", c.signedIn(c.mostMentioned))
	mux.Handle("POST /tickets/{id}/suggestion", c.signedIn(c.decideSuggestion))
	mux.Handle("POST /tickets/availability", c.signedIn(c.setAvailability))
}

// agentBar is the availability switch in the ticket pages' header, for
// agents only: taking tickets or paused, and open tickets against capacity.
type agentBar struct {
	Available      bool
	Open, Capacity int
	CSRF, Back     string
}

// agentBarFor asks the API for the visitor's assignment state; nil (no
// switch) for someone who is no agent, or when the API cannot say.
func (c *Console) agentBarFor(r *http.Request) *agentBar {
	var st struct {
		Agent     bool `json:"agent"`
		Available bool `json:"available"`
		Open      int  `json:"open"`
		Capacity  int  `json:"capacity"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/me/availability", nil, nil, &st); err != nil || !st.Agent {
		return nil
	}
	return &agentBar{Available: st.Available, Open: st.Open, Capacity: st.Capacity, CSRF: csrfToken(r), Back: r.URL.RequestURI()}
}

// setAvailability switches the visitor's availability; becoming available
// serves their teams' queues (the API does). A refusal is shown on the list
// with the API's message.
func (c *Console) setAvailability(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	in := map[string]any{"available": r.PostFormValue("available") == "1"}
	if err := c.callAPI(r, "PUT", "/api/v1/me/availability", nil, in, nil); err != nil {
		r.URL.Path, r.URL.RawQuery = "/tickets", ""
		c.showTickets(w, r, false, toAPIError(err))
		return
	}
	back := localPath(r.PostFormValue("back"))
	if !strings.HasPrefix(back, "/tickets") {
		back = "/tickets"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// suggestions are the detail's duplicate_suggestions.
type suggestions = []model.DuplicateSuggestion

// suggestionRow is an open duplicate suggestion on the detail page.
type suggestionRow struct {
	CandidateID int64
	Key, Title  string
	StatusKey   string
	Score       string
}

// suggestionRows are the API's suggestions for the visitor (staff of the
// ticket's unit, candidates they may open), best first as the API orders.
func suggestionRows(list []model.DuplicateSuggestion) []suggestionRow {
	var out []suggestionRow
	for _, s := range list {
		key := s.Key
		if key == "" {
			key = "#" + strconv.FormatInt(s.CandidateID, 10)
		}
		out = append(out, suggestionRow{CandidateID: s.CandidateID, Key: key, Title: s.Title, StatusKey: statusKey(s.Status),
			Score: fmt.Sprintf("%.0f%%", s.Score*100)})
	}
	return out
}

// decideSuggestion merges the ticket into the candidate (合并) or dismisses
// the suggestion (忽略) through the API; its refusal shows on the ticket.
func (c *Console) decideSuggestion(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	cand, err := strconv.ParseInt(r.PostFormValue("candidate_id"), 10, 64)
	if err != nil || cand <= 0 {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return
	}
	in := map[string]any{"decision": r.PostFormValue("decision")}
	c.done(w, r, c.callAPI(r, "POST", path+"/duplicate-suggestions/"+strconv.FormatInt(cand, 10), nil, in, nil), ticketPage{})
}

// mentionedRow is one ticket of the most-mentioned list.
type mentionedRow struct {
	ticketRow
	Rank   int
	Count  int
	People []ref
}

type mentionedPage struct {
	Type   string
	Types  []option
	Rows   []mentionedRow
	Error  string
	Agent  *agentBar
	Query  string // for the list's tabs
	Board  bool
	Status string
}

// mostMentioned lists open tickets by how often their need was raised:
// the requirements asked for most, say, with who asked.
func (c *Console) mostMentioned(w http.ResponseWriter, r *http.Request) {
	n, err := c.newNamer(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := mentionedPage{Type: r.URL.Query().Get("type"), Agent: c.agentBarFor(r)}
	for _, t := range n.types {
		page.Types = append(page.Types, option{Value: t.Name, Label: n.typeLabel(t.Name)})
	}
	status := http.StatusOK
	if err := c.fillMentioned(r, n, &page); err != nil {
		e, ok := asAPIError(err)
		if !ok || e.Status >= 500 || e.Code == "" {
			c.fail(w, r, err)
			return
		}
		status, page.Error = e.Status, e.Code+": "+e.Message
	}
	c.render(w, r, status, "tickets_mentioned", view{Title: "mentioned.title", Page: page})
}

func (c *Console) fillMentioned(r *http.Request, n *namer, page *mentionedPage) error {
	q := url.Values{"limit": {"50"}}
	if page.Type != "" {
		q.Set("type", page.Type)
	}
	var res struct {
		Items []struct {
			model.Ticket
			MentionCount int            `json:"mention_count"`
			Mentions     model.Mentions `json:"mentions"`
		} `json:"items"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/tickets/most-mentioned", q, nil, &res); err != nil {
		return err
	}
	for i, it := range res.Items {
		row := mentionedRow{ticketRow: n.row(it.Ticket), Rank: i + 1, Count: it.MentionCount}
		for _, p := range it.Mentions.People {
			row.People = append(row.People, ref{ID: p.TicketID, Label: p.Key, PersonID: p.PersonID, Person: p.Name})
		}
		page.Rows = append(page.Rows, row)
	}
	return nil
}
