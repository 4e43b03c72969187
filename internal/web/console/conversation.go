package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// convPageSize is how many messages a conversation page shows at once.
const convPageSize = 200

// maxReplyBytes bounds a reply form post.
const maxReplyBytes = 256 << 10

// convPage is the conversation template's data.
type convPage struct {
	Conv       model.Conversation
	Channel    string
	Rows       []row
	EarlierURL string
	ReplyError string // a key of messages
	ReplyText  string // kept when the reply failed, so nothing typed is lost
	IdemKey    string // makes a double-submitted form one reply
	Ticket     ticketForm
}

// convData is the JSON the script reads on a conversation page.
type convData struct {
	Page           string            `json:"page"`
	ConversationID int64             `json:"conversation_id"`
	Strings        map[string]string `json:"strings"`
}

func (c *Console) conversation(w http.ResponseWriter, r *http.Request) {
	conv, ok := c.loadConversation(w, r)
	if ok {
		c.showConversation(w, r, http.StatusOK, convPage{Conv: conv})
	}
}

// loadConversation reads the {id} conversation through the API, which
// refuses and audits one outside the caller's departments.
func (c *Console) loadConversation(w http.ResponseWriter, r *http.Request) (model.Conversation, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return model.Conversation{}, false
	}
	conv, err := c.api.GetConversation(r, id)
	if err != nil {
		c.fail(w, r, err)
		return conv, false
	}
	return conv, true
}

// showConversation renders the messages oldest first, as a chat reads.
func (c *Console) showConversation(w http.ResponseWriter, r *http.Request, status int, page convPage) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	res, err := c.api.ListMessages(r, store.MessageFilter{ConversationID: page.Conv.ID, Before: max(before, 0), Limit: convPageSize})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if res.NextCursor != "" {
		page.EarlierURL = "/conversations/" + strconv.FormatInt(page.Conv.ID, 10) + "?before=" + res.NextCursor
	}
	slices.Reverse(res.Items)
	page.Channel = "#" + strconv.FormatInt(page.Conv.ChannelID, 10)
	if ch, err := c.api.Store.GetChannel(r.Context(), page.Conv.ChannelID); err == nil {
		page.Channel = ch.Name
	}
	page.Rows = makeRows(res.Items, map[int64]string{page.Conv.ChannelID: page.Channel}, nil)
	if err := c.fillReads(r, page.Rows); err != nil {
		c.fail(w, r, err)
		return
	}
	if page.IdemKey == "" {
		page.IdemKey = auth.RandomToken("web-")
	}
	c.fillTicketForm(r, &page.Ticket)
	data := convData{Page: "conversation", ConversationID: page.Conv.ID, Strings: jsStrings(langOf(r))}
	if before > 0 {
		data.Page = "history" // an older slice: live messages do not belong at its end
	}
	v := view{Title: "conv.title", Page: page, Data: data}
	if r.Method == http.MethodPost { // a failed reply: the language switch returns to the conversation
		v.Path = "/conversations/" + strconv.FormatInt(page.Conv.ID, 10)
	}
	c.render(w, r, status, "conversation", v)
}

// reply sends the form's text through the API's Reply, then goes back to the
// conversation (post/redirect/get, so a reload does not resend).
func (c *Console) reply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxReplyBytes)
	if !checkCSRF(r) {
		c.api.Audit.Deny(r, "message.reply", "conversation:"+r.PathValue("id"), "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	conv, ok := c.loadConversation(w, r)
	if !ok {
		return
	}
	text, idem := r.PostFormValue("text"), r.PostFormValue("idem")
	if len(idem) > 100 {
		idem = ""
	}
	if _, _, err := c.api.Reply(r, conv.ID, text, "", idem); err != nil {
		if !errors.Is(err, errcode.MissingField) {
			c.fail(w, r, err)
			return
		}
		c.showConversation(w, r, http.StatusBadRequest, convPage{Conv: conv, ReplyError: "conv.reply_empty", ReplyText: text, IdemKey: idem})
		return
	}
	http.Redirect(w, r, "/conversations/"+strconv.FormatInt(conv.ID, 10), http.StatusSeeOther)
}

// fillReads adds the platforms' read receipts to the outbound rows.
func (c *Console) fillReads(r *http.Request, rows []row) error {
	var ids []int64
	for _, rw := range rows {
		if rw.Outbound {
			ids = append(ids, rw.ID)
		}
	}
	reads, err := c.api.Store.MessageReads(r.Context(), ids)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Reads = reads[rows[i].ID]
	}
	return nil
}
