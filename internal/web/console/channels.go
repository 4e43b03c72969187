package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/web/api"
)

// maxChannelForm bounds a channel form post.
const maxChannelForm = 64 << 10

// channelsPage is the channel list's data.
type channelsPage struct {
	Rows  []channelRow
	Kinds []string
}

// channelRow is one channel with its department's name and health.
type channelRow struct {
	api.ChannelView
	Unit     string
	StateKey string
	Steps    []step            // the setup page's instructions
	Test     *testOutcome      // a test just run (without the script)
	Reveal   map[string]string // generated secrets, on the page right after creating only
	Saved    bool
}

// testOutcome is a "test connection" result as the page and the script show it.
type testOutcome struct {
	OK         bool   `json:"ok"`
	Message    string `json:"message"`
	State      string `json:"state"`
	StateLabel string `json:"state_label"`
	Errors     int64  `json:"error_count"`
	LastError  string `json:"last_error"`
}

// channelPage is the setup / edit page's data.
type channelPage struct {
	channelRow
	Form  channelForm
	Units []model.OrgUnit
}

// newChannelPage is the "add channel" page's data.
type newChannelPage struct {
	Kinds []string
	Form  channelForm
	Units []model.OrgUnit
}

func (c *Console) channelsView(w http.ResponseWriter, r *http.Request) {
	vs, err := c.api.ListChannels(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	units, err := c.unitNames(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := channelsPage{Kinds: channelKinds}
	for _, v := range vs {
		page.Rows = append(page.Rows, rowOf(v, units))
	}
	c.render(w, r, http.StatusOK, "channels", view{Title: "ch.title", Path: "/channels", Page: page})
}

func rowOf(v api.ChannelView, units map[int64]string) channelRow {
	return channelRow{ChannelView: v, Unit: units[v.OrgUnitID], StateKey: "ch.state." + string(v.Health.State)}
}

func (c *Console) unitNames(r *http.Request) (map[int64]string, error) {
	us, err := c.api.Store.ListOrgUnits(r.Context())
	out := make(map[int64]string, len(us))
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, err
}

// adminPage refuses (and audits) a non-admin on a page only admins use;
// the API refuses their posts on its own.
func (c *Console) adminPage(w http.ResponseWriter, r *http.Request, action string) bool {
	if p, _ := auth.From(r.Context()); p.Admin() {
		return true
	}
	c.refuse(w, r, action, "admin role required", "forbidden")
	return false
}

// refuse audits a denied action and answers with the problem page kind.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, action, reason, kind string) {
	c.api.Audit.Deny(r, action, r.URL.Path, reason)
	c.problem(w, r, http.StatusForbidden, kind)
}

func (c *Console) newChannel(w http.ResponseWriter, r *http.Request) {
	if !c.adminPage(w, r, "channel.create") {
		return
	}
	kind := r.URL.Query().Get("kind")
	if _, ok := kindFields[kind]; !ok {
		kind = ""
	}
	form := channelForm{Kind: kind, Unit: 1, Fields: formFields(kind, nil, false)}
	c.showNewChannel(w, r, http.StatusOK, form)
}

func (c *Console) showNewChannel(w http.ResponseWriter, r *http.Request, status int, form channelForm) {
	units, err := c.api.Store.ListOrgUnits(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "channel_new", view{Title: "ch.new.title", Path: "/channels/new?kind=" + form.Kind,
		Page: newChannelPage{Kinds: channelKinds, Form: form, Units: units}})
}

// createChannel adds the channel through the API's helper and shows its
// setup page at once: the only time a generated secret is shown. A refusal
// shows the form again with the driver's words, secrets left blank.
func (c *Console) createChannel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxChannelForm)
	if !c.checkChannelCSRF(w, r, "channel.create") {
		return
	}
	kind, name := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("name"))
	unit, _ := strconv.ParseInt(r.PostFormValue("org_unit_id"), 10, 64)
	settings := readSettings(r, kind)
	v, err := c.api.AddChannel(r, kind, name, unit, settings)
	if err != nil {
		if !isInputError(err) {
			c.fail(w, r, err)
			return
		}
		form := channelForm{Kind: kind, Name: name, Unit: unit, Fields: formFields(kind, settings, false)}
		refused(&form, err)
		c.showNewChannel(w, r, errcode.From(err).Status, form)
		return
	}
	row := channelRow{ChannelView: v}
	if v.Secret != "" {
		row.Reveal = map[string]string{"secret": v.Secret}
	}
	c.showChannel(w, r, http.StatusCreated, row, channelForm{})
}

// refused puts an input error on the form: in full at the top, and beside
// the field it names.
func refused(form *channelForm, err error) {
	e := errcode.From(err)
	form.Error = e.Error()
	markError(form.Fields, e.Detail)
}

// isInputError reports whether err is about what the admin typed.
func isInputError(err error) bool {
	return errors.Is(err, errcode.InvalidRequest) || errors.Is(err, errcode.MissingField)
}

func (c *Console) channelView(w http.ResponseWriter, r *http.Request) {
	v, ok := c.channelOf(w, r)
	if !ok {
		return
	}
	c.showChannel(w, r, http.StatusOK, channelRow{ChannelView: v, Saved: r.URL.Query().Get("saved") == "1"}, channelForm{})
}

// channelOf reads the path's channel through the API's scoped lookup.
func (c *Console) channelOf(w http.ResponseWriter, r *http.Request) (api.ChannelView, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.problem(w, r, http.StatusNotFound, "notfound")
		return api.ChannelView{}, false
	}
	v, err := c.api.GetChannel(r, id)
	if err != nil {
		c.fail(w, r, err)
		return v, false
	}
	return v, true
}

// showChannel renders the setup page; form is the edit form as typed when
// saving failed, or empty to show the stored settings.
func (c *Console) showChannel(w http.ResponseWriter, r *http.Request, status int, row channelRow, form channelForm) {
	units, err := c.unitNames(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	row.Unit, row.StateKey, row.Steps = units[row.OrgUnitID], "ch.state."+string(row.Health.State), setupSteps(row.ChannelView)
	if form.Kind == "" {
		form = channelForm{Kind: row.Kind, Name: row.Name, Unit: row.OrgUnitID, Fields: formFields(row.Kind, row.Settings, true)}
	}
	list, err := c.api.Store.ListOrgUnits(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "channel", view{Title: "ch.setup.title", Path: "/channels/" + strconv.FormatInt(row.ID, 10),
		Page: channelPage{channelRow: row, Form: form, Units: list}})
}

// saveChannel applies the edit form: blank fields keep their stored values.
func (c *Console) saveChannel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxChannelForm)
	if !c.checkChannelCSRF(w, r, "channel.update") {
		return
	}
	v, ok := c.channelOf(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	unit, _ := strconv.ParseInt(r.PostFormValue("org_unit_id"), 10, 64)
	change := api.ChannelChange{Settings: readSettings(r, v.Kind)}
	if name != "" {
		change.Name = &name
	}
	if unit != 0 {
		change.OrgUnitID = &unit
	}
	if _, err := c.api.ChangeChannel(r, v.ID, change); err != nil {
		if !isInputError(err) {
			c.fail(w, r, err)
			return
		}
		form := channelForm{Kind: v.Kind, Name: name, Unit: unit, Fields: formFields(v.Kind, change.Settings, true)}
		refused(&form, err)
		c.showChannel(w, r, errcode.From(err).Status, channelRow{ChannelView: v}, form)
		return
	}
	http.Redirect(w, r, "/channels/"+strconv.FormatInt(v.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// setEnabled switches a channel on or off.
func (c *Console) setEnabled(w http.ResponseWriter, r *http.Request) {
	if !c.checkChannelCSRF(w, r, "channel.update") {
		return
	}
	v, ok := c.channelOf(w, r)
	if !ok {
		return
	}
	on := r.PostFormValue("enabled") == "1"
	if _, err := c.api.ChangeChannel(r, v.ID, api.ChannelChange{Enabled: &on}); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/channels/"+strconv.FormatInt(v.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// checkChannelCSRF refuses (and audits) a channel form post without this
// session's token.
func (c *Console) checkChannelCSRF(w http.ResponseWriter, r *http.Request, action string) bool {
	if checkCSRF(r) {
		return true
	}
	c.refuse(w, r, action, "console form without a valid CSRF token", "csrf")
	return false
}

// testChannel runs "test connection". The script asks for JSON and shows
// the answer in place; without it the setup page shows the result.
func (c *Console) testChannel(w http.ResponseWriter, r *http.Request) {
	if !c.checkChannelCSRF(w, r, "channel.test") {
		return
	}
	v, ok := c.channelOf(w, r)
	if !ok {
		return
	}
	res, err := c.api.TestChannel(r, v.ID)
	if err != nil && !errors.Is(err, errcode.Unsupported) {
		c.fail(w, r, err)
		return
	}
	if err != nil {
		res.Health = v.Health
	}
	out := c.outcome(r, res, err)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	v.Health = res.Health
	c.showChannel(w, r, http.StatusOK, channelRow{ChannelView: v, Test: &out}, channelForm{})
}

// outcome words a test result in the reader's language; the platform's own
// message is kept as it came.
func (c *Console) outcome(r *http.Request, res api.ChannelTestResult, err error) testOutcome {
	dict := messages[langOf(r)]
	state := res.Health.State
	if state == "" {
		state = model.HealthUnknown
	}
	out := testOutcome{OK: res.OK, State: string(state), StateLabel: dict["ch.state."+string(state)],
		Errors: res.Health.ErrorCount, LastError: res.Health.LastError}
	switch {
	case err != nil:
		out.Message = dict["ch.test.unsupported"]
	case res.OK:
		out.Message = dict["ch.test.ok"]
	default:
		out.Message = dict["ch.test.failed"] + res.Error
	}
	return out
}
