package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
)

// parseFilter reads message filters from the query string.
func parseFilter(r *http.Request) (store.MessageFilter, error) {
	q := r.URL.Query()
	var f store.MessageFilter
	ids := []struct {
		name string
		dst  *int64
	}{{"channel_id", &f.ChannelID}, {"conversation_id", &f.ConversationID}, {"sender_id", &f.SenderID},
		{"org_unit_id", &f.OrgUnitID}, {"cursor", &f.Before}}
	for _, p := range ids {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, errcode.BadCursor.With("%s=%q is not a number", p.name, v)
			}
			*p.dst = n
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, errcode.BadCursor.With("%s=%q: want RFC 3339 time", p.name, v)
			}
			*p.dst = t
		}
	}
	f.Tag, f.Kind, f.Starred = q.Get("tag"), model.MessageKind(q.Get("kind")), q.Get("starred") == "true"
	if f.Kind != "" && !f.Kind.Valid() {
		return f, errcode.BadCursor.With("kind=%q: want text, image, file, voice, video or card", f.Kind)
	}
	if err := parseClassFilter(q, &f); err != nil {
		return f, err
	}
	if n, err := parseLimit(q.Get("limit")); err != nil {
		return f, err
	} else if n > 0 {
		f.Limit = n
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		terms := search.QueryTerms(v)
		if len(terms) == 0 {
			return f, errcode.InvalidRequest.With("q=%q has no searchable words", v)
		}
		f.Query = strings.Join(terms, " ")
	}
	return f, nil
}

// parseLimit reads a page size of 1..500; "" is 0 (the caller's default).
func parseLimit(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, errcode.BadCursor.With("limit=%q: want 1..500", v)
	}
	return n, nil
}

type messagePage struct {
	Items      []model.Message `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// ListMessages runs a filtered, scoped message query for the caller. Filters
// naming a unit or channel outside the caller's scope give an empty page and
// an audit entry. The console uses it too.
func (a *API) ListMessages(r *http.Request, f store.MessageFilter) (messagePage, error) {
	p := principal(r)
	f.ViewerID = p.User.ID
	if f.Limit == 0 {
		f.Limit = 50
	}
	if denied, err := a.filterDenied(r, f); err != nil || denied {
		return messagePage{Items: []model.Message{}}, err
	}
	items, err := a.Store.ListMessages(r.Context(), p.Scope, f)
	if err != nil {
		return messagePage{}, err
	}
	page := messagePage{Items: items}
	if len(items) == f.Limit {
		page.NextCursor = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return page, nil
}

func (a *API) filterDenied(r *http.Request, f store.MessageFilter) (bool, error) {
	p := principal(r)
	if p.Scope.All {
		return false, nil
	}
	if f.OrgUnitID != 0 {
		ok, err := a.inScope(r.Context(), p.Scope, f.OrgUnitID)
		if err != nil || !ok {
			if err == nil {
				a.Audit.Deny(r, "message.list", "org_unit:"+strconv.FormatInt(f.OrgUnitID, 10), "filter outside the caller's org units")
			}
			return true, err
		}
	}
	if f.ChannelID != 0 {
		c, err := a.Store.GetChannel(r.Context(), f.ChannelID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		ok, err2 := a.inScope(r.Context(), p.Scope, c.OrgUnitID)
		if err != nil || err2 != nil || !ok {
			if err == nil && err2 == nil {
				a.Audit.Deny(r, "message.list", "channel:"+strconv.FormatInt(f.ChannelID, 10), "filter outside the caller's org units")
			}
			return true, errors.Join(err, err2)
		}
	}
	return false, nil
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var page messagePage
	if v := r.URL.Query().Get("person_id"); v != "" {
		id, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || id <= 0 {
			a.fail(w, r, errcode.BadCursor.With("person_id=%q is not an id", v))
			return
		}
		page, err = a.PersonMessages(r, id, f)
	} else {
		page, err = a.ListMessages(r, f)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) search(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSpace(r.URL.Query().Get("q")) == "" {
		a.fail(w, r, errcode.MissingField.With("q"))
		return
	}
	a.listMessages(w, r)
}

// GetMessage returns a message the caller may see; a message outside their
// scope is refused with 403 and audited, an unknown one is 404.
func (a *API) GetMessage(r *http.Request, id int64) (model.Message, error) {
	p := principal(r)
	m, err := a.Store.GetMessage(r.Context(), p.Scope, id, p.User.ID)
	if !errors.Is(err, store.ErrNotFound) || p.Scope.All {
		return m, err
	}
	found, err := a.Store.GetMessage(r.Context(), store.Scope{All: true}, id, 0)
	if err != nil {
		return m, err
	}
	if ok, err := a.inScope(r.Context(), p.Scope, found.OrgUnitID); err != nil || ok {
		if err == nil { // in the caller's units, so hidden for being confidential
			a.Audit.Deny(r, "message.read", "message:"+strconv.FormatInt(id, 10), "confidential")
			err = errcode.Forbidden.With("message %d is confidential", id)
		}
		return m, err
	}
	a.Audit.Deny(r, "message.read", "message:"+strconv.FormatInt(id, 10), "outside the caller's org units")
	return m, errcode.Forbidden.With("message %d belongs to another department", id)
}

func (a *API) getMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var m model.Message
		if m, err = a.GetMessage(r, id); err == nil {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		if _, err = a.GetMessage(r, id); err == nil {
			var ds []model.Delivery
			if ds, err = a.Store.ListDeliveries(r.Context(), id); err == nil {
				writeJSON(w, http.StatusOK, map[string]any{"items": ds})
				return
			}
		}
	}
	a.fail(w, r, err)
}

func (a *API) getAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	m, err := a.GetMessage(r, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(m.Attachments) {
		a.fail(w, r, errcode.NotFound.With("message %d has no attachment %s", id, r.PathValue("n")))
		return
	}
	att := m.Attachments[n]
	if att.BlobID == "" {
		if a.platformReference(r, m) {
			// Feishu and DingTalk references need the app's token: there
			// is nothing to redirect to until the bytes are fetched.
			a.fail(w, r, errcode.Unavailable.With("attachment %d of message %d is not downloaded from the platform yet", n, id))
			return
		}
		http.Redirect(w, r, att.URL, http.StatusFound)
		return
	}
	data, err := a.Blobs.Get(att.BlobID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if att.MIME != "" {
		w.Header().Set("Content-Type", att.MIME)
	}
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+urlPathEscape(att.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

func (a *API) setFlag(w http.ResponseWriter, r *http.Request, fn func(userID, msgID int64) error) {
	id, err := pathID(r, "id")
	if err == nil {
		if _, err = a.GetMessage(r, id); err == nil {
			if err = fn(principal(r).User.ID, id); err == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}
	a.fail(w, r, err)
}

func (a *API) star(w http.ResponseWriter, r *http.Request) {
	a.setFlag(w, r, func(u, m int64) error { return a.Store.SetStar(r.Context(), u, m, true) })
}

func (a *API) unstar(w http.ResponseWriter, r *http.Request) {
	a.setFlag(w, r, func(u, m int64) error { return a.Store.SetStar(r.Context(), u, m, false) })
}

func (a *API) markRead(w http.ResponseWriter, r *http.Request) {
	a.setFlag(w, r, func(u, m int64) error { return a.Store.MarkRead(r.Context(), u, m) })
}
