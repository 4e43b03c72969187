package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// maxTicketForm bounds a ticket form post (a comment is the largest).
const maxTicketForm = 256 << 10

// toAPIError turns an error from the API (in-process call or exported
// helper) into what the page shows: status, code and message.
func toAPIError(err error) *apiError {
	if e, ok := asAPIError(err); ok {
		if e.Code == "" && e.Status == http.StatusNotFound {
			e.Message = "—" // a route this build does not have (merge, split)
		}
		return e
	}
	var ce *errcode.Error
	if errors.As(err, &ce) {
		msg := ce.Message
		if ce.Detail != "" {
			msg += ": " + ce.Detail
		}
		return &apiError{Status: ce.Status, Code: ce.Code, Message: msg}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: errcode.Internal.Code, Message: errcode.Internal.Message}
}

// failAPI renders the problem page for a read the API refused.
func (c *Console) failAPI(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := asAPIError(err)
	switch {
	case ok && e.Status == http.StatusNotFound:
		c.problem(w, r, http.StatusNotFound, "notfound")
	case ok && e.Status == http.StatusForbidden:
		c.problem(w, r, http.StatusForbidden, "forbidden")
	default:
		c.fail(w, r, err)
	}
}

// ticketForm checks the CSRF token of a ticket form and returns the
// ticket's API path.
func (c *Console) ticketForm(w http.ResponseWriter, r *http.Request) (string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTicketForm)
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return "", false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return "", false
	}
	return "/api/v1/tickets/" + strconv.FormatInt(id, 10), true
}

// done answers a ticket form: back to where it was posted from on
// success, or the detail page with the API's message.
func (c *Console) done(w http.ResponseWriter, r *http.Request, err error, page ticketPage) {
	if err == nil {
		http.Redirect(w, r, c.backTo(r), http.StatusSeeOther)
		return
	}
	e := toAPIError(err)
	if e.Status == http.StatusNotFound && e.Code == "" {
		page.Error = messages[langOf(r)]["ticket.unavailable"]
	} else {
		page.Error = e.Code + ": " + e.Message
	}
	if e.Code == errcode.StaleVersion.Code {
		page.Notice = "ticket.reloaded" // the page shows the ticket as it is now
	}
	status := e.Status
	if status < 400 {
		status = http.StatusInternalServerError
	}
	c.showTicket(w, r, status, page)
}

// backTo is where a successful form returns: the page it came from when
// that is a ticket page, else the ticket.
func (c *Console) backTo(r *http.Request) string {
	back := localPath(r.PostFormValue("back"))
	if strings.HasPrefix(back, "/tickets") {
		return back
	}
	return "/tickets/" + r.PathValue("id")
}

func (c *Console) ticketTransition(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	in := map[string]any{"to": r.PostFormValue("to"), "reason": strings.TrimSpace(r.PostFormValue("reason")), "version": version}
	err := c.callAPI(r, "POST", path+"/transitions", nil, in, nil)
	if err != nil && strings.HasPrefix(c.backTo(r), "/tickets/board") {
		// Refused on the board: show the board again with the API's message.
		u, _ := url.Parse(c.backTo(r))
		r.URL.Path, r.URL.RawQuery = u.Path, u.RawQuery
		c.showTickets(w, r, true, toAPIError(err))
		return
	}
	c.done(w, r, err, ticketPage{})
}

func (c *Console) ticketComment(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	body := r.PostFormValue("body")
	in := map[string]any{"body": body, "public": r.PostFormValue("public") == "1"}
	c.done(w, r, c.callAPI(r, "POST", path+"/comments", nil, in, nil), ticketPage{CommentText: body})
}

// ticketAssign hands the ticket to an agent (or nobody) at the version the
// visitor read; a ticket changed meanwhile is shown again as it is now.
func (c *Console) ticketAssign(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	assignee, _ := strconv.ParseInt(r.PostFormValue("assignee_id"), 10, 64)
	err := c.callAPI(r, "PATCH", path, nil, map[string]any{"version": version, "assignee_id": assignee}, nil)
	c.done(w, r, err, ticketPage{})
}

// ticketMerge merges this ticket into another, named by number or id.
func (c *Console) ticketMerge(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	into, err := c.ticketByKey(r, r.PostFormValue("into"))
	if err == nil {
		err = c.callAPI(r, "POST", path+"/merge", nil, map[string]any{"into": into}, nil)
	}
	c.done(w, r, err, ticketPage{})
}

func id(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n
}

// ticketByKey finds the id of a ticket the visitor may see by "SB-12" or "12".
func (c *Console) ticketByKey(r *http.Request, key string) (int64, error) {
	n, ok := model.ParseTicketKey(key)
	if !ok {
		return 0, errcode.BadTicketField.With("%q is not a ticket number", key)
	}
	var res struct {
		Items []model.Ticket `json:"items"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/tickets", url.Values{"q": {model.TicketKey(n)}}, nil, &res); err != nil {
		return 0, err
	}
	for _, t := range res.Items {
		if t.Number == n {
			return t.ID, nil
		}
	}
	return 0, errcode.NotFound.With("ticket %s", model.TicketKey(n))
}

// ticketSplit moves the chosen source messages to a new ticket and opens it.
func (c *Console) ticketSplit(w http.ResponseWriter, r *http.Request) {
	path, ok := c.ticketForm(w, r)
	if !ok {
		return
	}
	var ids []int64
	for _, v := range r.PostForm["source_message_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	in := map[string]any{"source_message_ids": ids, "title": strings.TrimSpace(r.PostFormValue("title")), "type": r.PostFormValue("type")}
	var created struct {
		ID     int64 `json:"id"`
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"` // the new ticket, if the API wraps it
	}
	err := c.callAPI(r, "POST", path+"/split", nil, in, &created)
	if created.ID == 0 || created.ID == id(r) {
		created.ID = created.Ticket.ID
	}
	if err == nil && created.ID != 0 {
		http.Redirect(w, r, "/tickets/"+strconv.FormatInt(created.ID, 10), http.StatusSeeOther)
		return
	}
	c.done(w, r, err, ticketPage{})
}
