package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/search"
	"switchboard/internal/store"
)

// kinds lists the message kinds in the order the filter offers them.
var kinds = []model.MessageKind{model.KindText, model.KindImage, model.KindFile, model.KindVoice, model.KindVideo, model.KindCard, model.KindCardAction}

// inboxFilter is the filter form as the visitor filled it in.
type inboxFilter struct {
	ChannelID int64  `json:"channel_id"`
	Kind      string `json:"kind"`
	OrgUnitID int64  `json:"org_unit_id"`
	Tag       string `json:"tag"`
	Priority  string `json:"priority"`
	Category  string `json:"category"`
	Q         string `json:"q"`
	Cursor    int64  `json:"cursor"`
}

// storeFilter turns the form into the store's filter the same way the API's
// query parser does, so the console and GET /api/v1/messages agree.
func (f inboxFilter) storeFilter() (store.MessageFilter, error) {
	sf := store.MessageFilter{ChannelID: f.ChannelID, OrgUnitID: f.OrgUnitID, Tag: f.Tag,
		Kind: model.MessageKind(f.Kind), Before: f.Cursor, Priority: f.Priority, Category: f.Category}
	if sf.Kind != "" && !sf.Kind.Valid() {
		return sf, errcode.BadCursor.With("kind=%q", f.Kind)
	}
	if sf.Priority != "" && !slices.Contains(rules.Priorities, sf.Priority) {
		return sf, errcode.BadCursor.With("priority=%q", f.Priority)
	}
	if f.Q != "" {
		terms := search.QueryTerms(f.Q)
		if len(terms) == 0 {
			return sf, errcode.InvalidRequest.With("q=%q has no searchable words", f.Q)
		}
		sf.Query = strings.Join(terms, " ")
	}
	return sf, nil
}

// parseInboxFilter reads the filter form from the query string.
func parseInboxFilter(q url.Values) (inboxFilter, error) {
	f := inboxFilter{Kind: q.Get("kind"), Tag: strings.TrimSpace(q.Get("tag")), Q: strings.TrimSpace(q.Get("q")),
		Priority: q.Get("priority"), Category: strings.TrimSpace(q.Get("category"))}
	for name, dst := range map[string]*int64{"channel_id": &f.ChannelID, "org_unit_id": &f.OrgUnitID, "cursor": &f.Cursor} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, errcode.BadCursor.With("%s=%q is not a number", name, v)
			}
			*dst = n
		}
	}
	return f, nil
}

// query encodes the filter back into a URL query, with the given cursor.
func (f inboxFilter) query(cursor string) string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" && s != "0" {
			v.Set(k, s)
		}
	}
	set("channel_id", strconv.FormatInt(f.ChannelID, 10))
	set("kind", f.Kind)
	set("org_unit_id", strconv.FormatInt(f.OrgUnitID, 10))
	set("tag", f.Tag)
	set("priority", f.Priority)
	set("category", f.Category)
	set("q", f.Q)
	set("cursor", cursor)
	return v.Encode()
}

// inboxPage is the inbox template's data.
type inboxPage struct {
	Filter   inboxFilter
	Error    string // detail of a rejected filter
	Channels []model.Channel
	Units    []model.OrgUnit
	Kinds    []model.MessageKind
	Prios    []string
	Rows     []row
	MoreURL  string
}

// inboxData is the JSON the script reads to decide which live messages belong on this page.
type inboxData struct {
	Page     string            `json:"page"`
	Filter   inboxFilter       `json:"filter"`
	Units    []int64           `json:"units"` // allowed org units when a department is chosen
	Channels map[int64]string  `json:"channels"`
	Convs    map[int64]string  `json:"convs"`
	Strings  map[string]string `json:"strings"`
	// Highlights are the reader's keywords, for rows the script builds from the live stream.
	Highlights []string `json:"highlights"`
}

func (c *Console) inbox(w http.ResponseWriter, r *http.Request) {
	status := http.StatusOK
	page := inboxPage{Kinds: kinds, Prios: rules.Priorities}
	f, err := parseInboxFilter(r.URL.Query())
	var sf store.MessageFilter
	if err == nil {
		sf, err = f.storeFilter()
	}
	page.Filter = f
	if err != nil {
		status, page.Error = http.StatusBadRequest, errcode.From(err).Detail
	}
	if err := c.fillOptions(r, &page); err != nil {
		c.fail(w, r, err)
		return
	}
	settings, err := c.api.MyNotifySettings(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	data := inboxData{Page: "inbox", Filter: f, Channels: channelNames(page.Channels), Strings: jsStrings(langOf(r)),
		Highlights: cleanKeywords(settings.Highlights)}
	if page.Error == "" {
		if err := c.fillRows(r, sf, &page, &data); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, status, "inbox", view{Title: "inbox.title", Page: page, Data: data})
}

// visibleChannels lists the channels in the caller's scope, as GET
// /api/v1/channels does.
func (c *Console) visibleChannels(r *http.Request) ([]model.Channel, error) {
	p, _ := auth.From(r.Context())
	return c.api.Store.ListChannels(r.Context(), p.Scope)
}

// fillOptions loads the channels and departments the caller may filter by.
func (c *Console) fillOptions(r *http.Request, page *inboxPage) error {
	p, _ := auth.From(r.Context())
	chs, err := c.visibleChannels(r)
	if err != nil {
		return err
	}
	page.Channels = chs
	units, err := c.api.Store.ListOrgUnits(r.Context())
	if err != nil {
		return err
	}
	visible, err := c.subtrees(r.Context(), p.Scope.Units)
	if err != nil {
		return err
	}
	for _, u := range units {
		if p.Scope.All || visible[u.ID] {
			page.Units = append(page.Units, u)
		}
	}
	return nil
}

// fillRows runs the scoped query and prepares the rows and the script's data.
func (c *Console) fillRows(r *http.Request, sf store.MessageFilter, page *inboxPage, data *inboxData) error {
	res, err := c.api.ListMessages(r, sf)
	if err != nil {
		return err
	}
	convs, err := c.convTitles(r, res.Items)
	if err != nil {
		return err
	}
	page.Rows = makeRows(res.Items, data.Channels, convs)
	m := newMatcher(data.Highlights)
	for i := range page.Rows {
		page.Rows[i].Parts = m.parts(page.Rows[i].Snippet)
	}
	data.Convs = convs
	if res.NextCursor != "" {
		page.MoreURL = "/?" + page.Filter.query(res.NextCursor)
	}
	if page.Filter.OrgUnitID != 0 {
		units, err := c.subtrees(r.Context(), []int64{page.Filter.OrgUnitID})
		if err != nil {
			return err
		}
		for id := range units {
			data.Units = append(data.Units, id)
		}
	}
	return nil
}

// subtrees expands units into the set of ids they cover.
func (c *Console) subtrees(ctx context.Context, units []int64) (map[int64]bool, error) {
	set := map[int64]bool{}
	for _, u := range units {
		ids, err := c.api.Store.Subtree(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			set[id] = true
		}
	}
	return set, nil
}

// convTitles looks up the titles of the conversations on the page. The
// messages are already scoped, so their conversations are too.
func (c *Console) convTitles(r *http.Request, ms []model.Message) (map[int64]string, error) {
	p, _ := auth.From(r.Context())
	titles := map[int64]string{}
	for _, m := range ms {
		if _, done := titles[m.ConversationID]; done {
			continue
		}
		conv, err := c.api.Store.GetConversation(r.Context(), p.Scope, m.ConversationID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		titles[m.ConversationID] = conv.Title
	}
	return titles, nil
}

func channelNames(chs []model.Channel) map[int64]string {
	names := make(map[int64]string, len(chs))
	for _, ch := range chs {
		names[ch.ID] = ch.Name
	}
	return names
}

// fail maps an error from the API helpers to a friendly page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := errcode.From(err)
	switch {
	case errors.Is(err, store.ErrNotFound) || e.Status == http.StatusNotFound:
		c.problem(w, r, http.StatusNotFound, "notfound")
	case e.Status == http.StatusForbidden:
		c.problem(w, r, http.StatusForbidden, "forbidden")
	default:
		c.api.Log.Error("console: request failed", "path", r.URL.Path, "err", err)
		c.problem(w, r, http.StatusInternalServerError, "error")
	}
}
