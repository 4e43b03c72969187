package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// routingPage is the routing editor: rules and team modes as JSON, the
// default capacity as a number, and the teams to pick ids from.
type routingPage struct {
	Rules, Teams    string
	DefaultCapacity string
	Error           string
	Saved           bool
	TeamUnits       []option
	RuleRef         []refRow
	TeamRef         []refRow
}

func (c *Console) routingView(w http.ResponseWriter, r *http.Request) {
	var doc map[string]json.RawMessage
	if err := c.callAPI(r, "GET", "/api/v1/ticket-routing", nil, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	page := routingPage{Rules: prettyJSON(doc["rules"]), Teams: prettyJSON(doc["teams"]),
		DefaultCapacity: string(doc["default_capacity"]), Saved: r.URL.Query().Get("saved") == "1"}
	c.showRouting(w, r, http.StatusOK, page)
}

func (c *Console) showRouting(w http.ResponseWriter, r *http.Request, status int, page routingPage) {
	units, err := c.api.Store.ListOrgUnits(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, u := range units { // any unit may be a team: agents hold the role on it
		page.TeamUnits = append(page.TeamUnits, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	page.RuleRef = refs("tset.routing.rule", "type", "priority", "category", "team_id")
	page.TeamRef = refs("tset.routing.team", "team_id", "mode")
	c.render(w, r, status, "tset_routing", view{Title: "tset.routing", Path: "/tickets/settings/routing", Page: page})
}

// saveRouting replaces the routing whole through the API.
func (c *Console) saveRouting(w http.ResponseWriter, r *http.Request) {
	page := routingPage{Rules: r.PostFormValue("rules"), Teams: r.PostFormValue("teams"),
		DefaultCapacity: strings.TrimSpace(r.PostFormValue("default_capacity"))}
	rules, err := parseJSONField("rules", page.Rules)
	var teams any
	if err == nil {
		teams, err = parseJSONField("teams", page.Teams)
	}
	var nums map[string]any
	if err == nil {
		nums, err = formNumbers(r, false, "default_capacity")
	}
	if err == nil {
		err = c.callAPI(r, "PUT", "/api/v1/ticket-routing", nil,
			map[string]any{"rules": rules, "teams": teams, "default_capacity": nums["default_capacity"]}, nil)
	}
	if err != nil {
		var status int
		status, page.Error = errText(err)
		c.showRouting(w, r, status, page)
		return
	}
	http.Redirect(w, r, "/tickets/settings/routing?saved=1", http.StatusSeeOther)
}

// formNumbers reads number inputs; an empty one counts as 0 (the API's
// "default"), anything else not a number is refused like a malformed body.
func formNumbers(r *http.Request, float bool, names ...string) (map[string]any, error) {
	out := make(map[string]any, len(names))
	for _, n := range names {
		s := strings.TrimSpace(r.PostFormValue(n))
		if s == "" {
			s = "0"
		}
		var err error
		if float {
			out[n], err = strconv.ParseFloat(s, 64)
		} else {
			out[n], err = strconv.Atoi(s)
		}
		if err != nil {
			return nil, errcode.MalformedBody.With("%s: %q is not a number", n, s)
		}
	}
	return out, nil
}

// weightFactors are the priority factors in the order the form shows them.
var weightFactors = []string{"users_affected", "severity", "business_relevance", "effort", "strategic_fit"}

type weightField struct{ Name, Key, Value, Default string }

type weightsPage struct {
	Fields     []weightField
	Default    bool // no admin has set weights yet
	Thresholds string
	Error      string
	Saved      bool
}

func (c *Console) weightsView(w http.ResponseWriter, r *http.Request) {
	page := weightsPage{Saved: r.URL.Query().Get("saved") == "1"}
	c.showWeights(w, r, http.StatusOK, page, nil)
}

// showWeights renders the weights form; typed holds the values the admin
// posted when saving failed, so they are shown again.
func (c *Console) showWeights(w http.ResponseWriter, r *http.Request, status int, page weightsPage, typed map[string]string) {
	var doc struct {
		Weights        map[string]int `json:"weights"`
		DefaultWeights map[string]int `json:"default_weights"`
		Default        bool           `json:"default"`
		Thresholds     string         `json:"thresholds"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/priority-weights", nil, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	page.Default, page.Thresholds = doc.Default, doc.Thresholds
	for _, f := range weightFactors {
		v, ok := typed[f]
		if !ok {
			v = strconv.Itoa(doc.Weights[f])
		}
		page.Fields = append(page.Fields, weightField{Name: f, Key: "tset.weights." + f, Value: v,
			Default: strconv.Itoa(doc.DefaultWeights[f])})
	}
	c.render(w, r, status, "tset_weights", view{Title: "tset.weights", Path: "/tickets/settings/weights", Page: page})
}

func (c *Console) saveWeights(w http.ResponseWriter, r *http.Request) {
	in, err := formNumbers(r, false, weightFactors...)
	if err == nil {
		err = c.callAPI(r, "PUT", "/api/v1/priority-weights", nil, in, nil)
	}
	if err != nil {
		typed := map[string]string{}
		for _, f := range weightFactors {
			typed[f] = r.PostFormValue(f)
		}
		page := weightsPage{}
		var status int
		status, page.Error = errText(err)
		c.showWeights(w, r, status, page, typed)
		return
	}
	http.Redirect(w, r, "/tickets/settings/weights?saved=1", http.StatusSeeOther)
}

// dupesPage is the duplicate detection form.
type dupesPage struct {
	Enabled                               bool
	Suggest, Link, WindowDays, Candidates string
	Types                                 []typeCheck
	Default                               bool
	Error                                 string
	Saved                                 bool
}

type typeCheck struct {
	Name, Label string
	Checked     bool
}

func (c *Console) dupesView(w http.ResponseWriter, r *http.Request) {
	var doc struct {
		model.DuplicateSettings
		Default bool `json:"default"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/ticket-duplicates", nil, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	d := doc.DuplicateSettings
	page := dupesPage{Enabled: d.Enabled, Suggest: fmtFloat(d.Suggest), Link: fmtFloat(d.Link),
		WindowDays: strconv.Itoa(d.WindowDays), Candidates: strconv.Itoa(d.Candidates),
		Default: doc.Default, Saved: r.URL.Query().Get("saved") == "1"}
	c.showDupes(w, r, http.StatusOK, page, d.Types)
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func (c *Console) showDupes(w http.ResponseWriter, r *http.Request, status int, page dupesPage, checked []string) {
	n, err := c.newNamer(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, t := range n.types {
		page.Types = append(page.Types, typeCheck{Name: t.Name, Label: n.typeLabel(t.Name), Checked: slices.Contains(checked, t.Name)})
	}
	c.render(w, r, status, "tset_dupes", view{Title: "tset.duplicates", Path: "/tickets/settings/duplicates", Page: page})
}

func (c *Console) saveDupes(w http.ResponseWriter, r *http.Request) {
	page := dupesPage{Enabled: r.PostFormValue("enabled") == "1", Suggest: r.PostFormValue("suggest"), Link: r.PostFormValue("link"),
		WindowDays: r.PostFormValue("window_days"), Candidates: r.PostFormValue("candidates")}
	types := r.PostForm["types"]
	floats, err := formNumbers(r, true, "suggest", "link")
	var ints map[string]any
	if err == nil {
		ints, err = formNumbers(r, false, "window_days", "candidates")
	}
	if err == nil {
		in := map[string]any{"enabled": page.Enabled, "suggest": floats["suggest"], "link": floats["link"],
			"window_days": ints["window_days"], "candidates": ints["candidates"], "types": nonNil(types)}
		err = c.callAPI(r, "PUT", "/api/v1/ticket-duplicates", nil, in, nil)
	}
	if err != nil {
		var status int
		status, page.Error = errText(err)
		c.showDupes(w, r, status, page, types)
		return
	}
	http.Redirect(w, r, "/tickets/settings/duplicates?saved=1", http.StatusSeeOther)
}

// nonNil makes an unticked list an empty one.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
