package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"switchboard/internal/errcode"
)

// The ticket settings area (工单设置): admin pages over the settings
// routes of the REST API. Every read and write goes through callAPI as the
// signed-in admin, so validation, audit and events are the API's own and a
// refusal shows its numbered message.

func init() {
	pages = append(pages, "tset_overview", "tset_json", "tset_routing", "tset_weights", "tset_dupes",
		"tset_agents", "tset_types", "tset_hooks", "tset_deliveries")
}

// maxTicketSettingsForm bounds a settings form post (the API takes 1 MiB bodies).
const maxTicketSettingsForm = 2 << 20

// mountTicketSettings registers the settings pages; each is admin only.
func (c *Console) mountTicketSettings(mux *http.ServeMux) {
	a := c.settingsAdmin
	mux.Handle("GET /tickets/settings", a(c.settingsOverview))
	mux.Handle("GET /tickets/settings/routing", a(c.routingView))
	mux.Handle("POST /tickets/settings/routing", a(c.saveRouting))
	mux.Handle("GET /tickets/settings/weights", a(c.weightsView))
	mux.Handle("POST /tickets/settings/weights", a(c.saveWeights))
	mux.Handle("GET /tickets/settings/duplicates", a(c.dupesView))
	mux.Handle("POST /tickets/settings/duplicates", a(c.saveDupes))
	for _, s := range jsonSettings {
		mux.Handle("GET /tickets/settings/"+s.Key, a(c.jsonView(s)))
		mux.Handle("POST /tickets/settings/"+s.Key, a(c.saveJSON(s)))
	}
	c.mountTicketAgents(mux)
	c.mountTicketTypesAdmin(mux)
	c.mountTicketHooks(mux)
}

// settingsAdmin signs the visitor in and lets only admins through; a
// refused visit is audited and answered with the 403 page. A form post
// must carry the session's CSRF token besides.
func (c *Console) settingsAdmin(next http.HandlerFunc) http.Handler {
	return c.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if !c.adminPage(w, r, "ticket.settings") {
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxTicketSettingsForm)
			if !checkCSRF(r) {
				c.refuse(w, r, "ticket.settings", "console form without a valid CSRF token", "csrf")
				return
			}
		}
		next(w, r)
	})
}

// settingsLink is one entry of the overview.
type settingsLink struct{ Href, Key string }

var settingsLinks = []settingsLink{
	{"/tickets/settings/routing", "tset.routing"},
	{"/tickets/settings/agents", "tset.agents"},
	{"/tickets/settings/weights", "tset.weights"},
	{"/tickets/settings/sla-policies", "tset.sla-policies"},
	{"/tickets/settings/sla-calendars", "tset.sla-calendars"},
	{"/tickets/settings/extractors", "tset.extractors"},
	{"/tickets/settings/duplicates", "tset.duplicates"},
	{"/tickets/settings/types", "tset.types"},
	{"/tickets/settings/webhooks", "tset.hooks"},
}

func (c *Console) settingsOverview(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "tset_overview", view{Title: "tset.title", Page: settingsLinks})
}

// refRow is one line of a field reference table: the JSON field and the
// key of its description.
type refRow struct{ Field, Key string }

// jsonSetting is a list-shaped setting edited as JSON: the API route, the
// field of its document holding the list, and the field reference.
type jsonSetting struct {
	Key   string // URL segment and string-key stem
	API   string
	Field string
	Ref   []refRow
}

func refs(stem string, fields ...string) []refRow {
	out := make([]refRow, len(fields))
	for i, f := range fields {
		out[i] = refRow{Field: f, Key: stem + ".ref." + f}
	}
	return out
}

var jsonSettings = []jsonSetting{
	{"sla-policies", "/api/v1/sla-policies", "policies", refs("tset.sla-policies",
		"name", "type", "priority", "first_response", "resolution", "calendar", "warn_percent", "warn_before", "remind_every", "reassign")},
	{"sla-calendars", "/api/v1/sla-calendars", "calendars", refs("tset.sla-calendars",
		"name", "tz", "days", "hours", "holidays", "workdays")},
	{"extractors", "/api/v1/ticket-extractors", "extractors", refs("tset.extractors", "name", "label", "pattern")},
}

// jsonPage is the JSON editor's data.
type jsonPage struct {
	Setting jsonSetting
	Text    string // the list as JSON, or what the admin typed when saving failed
	Error   string // the API's "SB-xxxx: message"
	Saved   bool
	Builtin bool // extractors: none set, the built-in ones are in use
}

func (c *Console) jsonView(s jsonSetting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]json.RawMessage
		if err := c.callAPI(r, "GET", s.API, nil, nil, &doc); err != nil {
			c.failAPI(w, r, err)
			return
		}
		page := jsonPage{Setting: s, Text: prettyJSON(doc[s.Field]), Saved: r.URL.Query().Get("saved") == "1"}
		page.Builtin = string(doc["default"]) == "true"
		c.render(w, r, http.StatusOK, "tset_json", view{Title: "tset." + s.Key, Path: "/tickets/settings/" + s.Key, Page: page})
	}
}

// saveJSON sends the textarea's list to the API as the whole setting. A
// refusal shows the API's message above the form with the text as typed;
// nothing is stored then.
func (c *Console) saveJSON(s jsonSetting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		text := r.PostFormValue("json")
		list, err := parseJSONField(s.Field, text)
		if err == nil {
			err = c.callAPI(r, "PUT", s.API, nil, map[string]any{s.Field: list}, nil)
		}
		if err != nil {
			e := toAPIError(err)
			page := jsonPage{Setting: s, Text: text, Error: e.Code + ": " + e.Message}
			c.render(w, r, e.Status, "tset_json", view{Title: "tset." + s.Key, Path: "/tickets/settings/" + s.Key, Page: page})
			return
		}
		http.Redirect(w, r, "/tickets/settings/"+s.Key+"?saved=1", http.StatusSeeOther)
	}
}

// parseJSONField reads what the admin typed; text that is no JSON is
// refused with the code the API gives a malformed body. Numbers stay as
// typed so the API sees exactly them.
func parseJSONField(field, text string) (any, error) {
	if strings.TrimSpace(text) == "" {
		return []any{}, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errcode.MalformedBody.With("%s: %v", field, err)
	}
	if dec.More() {
		return nil, errcode.MalformedBody.With("%s: more than one JSON value", field)
	}
	return v, nil
}

// prettyJSON indents a JSON value for the textarea; null reads as [].
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "[]"
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

// errText is an API refusal as a page shows it.
func errText(err error) (int, string) {
	e := toAPIError(err)
	return e.Status, e.Code + ": " + e.Message
}
