package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// maxTicketFormBytes bounds a create-ticket form post (ids, type, title).
const maxTicketFormBytes = 64 << 10

// ticketForm is the conversation page's "create a ticket from these
// messages" form and what came of the last one.
type ticketForm struct {
	Types    []model.TicketType
	Type     string        // kept when creating failed
	Title    string        // kept when creating failed
	Error    string        // why it failed, as the API said it
	Created  *model.Ticket // the ticket just made, or the one the messages already belong to
	Existing bool          // Created existed already
}

// fillTicketForm lists the ticket types and, after a redirect from a
// creation (?ticket=ID&new=1), the ticket.
func (c *Console) fillTicketForm(r *http.Request, f *ticketForm) {
	if types, err := c.api.TicketTypes(r); err == nil {
		f.Types = types
	}
	if f.Type == "" {
		f.Type = model.TypeIncident
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("ticket"), 10, 64)
	if err != nil || id <= 0 || f.Created != nil {
		return
	}
	if t, err := c.api.Ticket(r, id); err == nil {
		f.Created, f.Existing = &t, r.URL.Query().Get("new") != "1"
	}
}

// createTicket makes a ticket of the ticked messages through the API
// (idempotent by source message: ticking the same messages again shows
// their ticket), then shows the conversation with its number.
func (c *Console) createTicket(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTicketFormBytes)
	if !checkCSRF(r) {
		c.api.Audit.Deny(r, "ticket.create", "conversation:"+r.PathValue("id"), "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	conv, ok := c.loadConversation(w, r)
	if !ok {
		return
	}
	form := ticketForm{Type: r.PostFormValue("type"), Title: strings.TrimSpace(r.PostFormValue("title"))}
	var ids []int64
	for _, v := range r.PostForm["msg"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		form.Error = c.word(r, "conv.ticket.pick")
		c.showConversation(w, r, http.StatusBadRequest, convPage{Conv: conv, Ticket: form})
		return
	}
	t, created, err := c.api.CreateTicket(r, ticket.Create{Type: form.Type, Title: form.Title, Sources: ids})
	if errors.Is(err, errcode.Forbidden) {
		c.fail(w, r, err)
		return
	}
	if err != nil {
		e := errcode.From(err)
		form.Error = e.Code + " " + e.Message + ": " + e.Detail
		c.showConversation(w, r, e.Status, convPage{Conv: conv, Ticket: form})
		return
	}
	to := "/conversations/" + strconv.FormatInt(conv.ID, 10) + "?ticket=" + strconv.FormatInt(t.ID, 10)
	if created {
		to += "&new=1"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// word is a catalogue string in the request's language.
func (c *Console) word(r *http.Request, key string) string {
	if s, ok := messages[langOf(r)][key]; ok {
		return s
	}
	return key
}
