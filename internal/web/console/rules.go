package console

import (
	"errors"
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/rules"
	"switchboard/internal/web/api"
)

// maxRulesForm bounds a rules form post: a YAML document of up to 1 MiB
// grows when form-encoded.
const maxRulesForm = 4 << 20

// rulesPage is the rules template's data.
type rulesPage struct {
	Rules     []ruleRow
	YAML      string // the whole list as YAML, or what the admin typed when saving failed
	Saved     bool
	SaveError string // detail of a refused import
	Draft     string
	Limit     int
	DryError  string // detail of a refused draft
	DryRun    *dryRunView
	MaxLimit  int
}

// ruleRow is one rule with its conditions and actions summarised for people.
type ruleRow struct {
	rules.Rule
	Conds, Acts []summaryItem
}

// dryRunView is a dry run's report as the page shows it.
type dryRunView struct {
	Scanned int
	Items   []dryRunRow
}

// dryRunRow is one matched message with the rules it matched and what they would do.
type dryRunRow struct {
	api.DryRunItem
	RuleNames []string
	Would     []summaryItem
}

// rulesForm has the form posts share the page's draft and limit fields.
func rulesForm(r *http.Request) rulesPage {
	limit, err := strconv.Atoi(r.PostFormValue("limit"))
	if err != nil || limit <= 0 {
		limit = api.DryRunDefault
	}
	return rulesPage{Draft: r.PostFormValue("draft"), Limit: limit}
}

func (c *Console) rulesView(w http.ResponseWriter, r *http.Request) {
	page := rulesPage{Limit: api.DryRunDefault, Saved: r.URL.Query().Get("saved") == "1"}
	c.showRules(w, r, http.StatusOK, page)
}

// showRules fills in the list (and the YAML unless the page keeps what was
// typed) and renders. The API helpers refuse and audit a non-admin.
func (c *Console) showRules(w http.ResponseWriter, r *http.Request, status int, page rulesPage) {
	rs, err := c.api.ListRules(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	lang := langOf(r)
	for _, rule := range rs {
		page.Rules = append(page.Rules, ruleRow{Rule: rule, Conds: conditionSummary(rule.Conditions, lang),
			Acts: actionSummary(rule.Actions, rule.Stop, lang)})
	}
	if page.SaveError == "" {
		doc, err := c.api.ExportRules(r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		page.YAML = string(doc)
	}
	page.MaxLimit = api.DryRunMax
	c.render(w, r, status, "rules", view{Title: "rules.title", Path: "/rules", Page: page})
}

// saveRules imports the textarea's YAML as the whole list, then goes back to
// the page (post/redirect/get). A refused document is shown again as typed,
// with the error's field path, and nothing is stored.
func (c *Console) saveRules(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRulesForm)
	if !checkCSRF(r) {
		c.api.Audit.Deny(r, "rule.import", "rules", "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	doc := r.PostFormValue("yaml")
	if _, err := c.api.ImportRules(r, []byte(doc)); err != nil {
		if !isRuleInputError(err) {
			c.fail(w, r, err)
			return
		}
		page := rulesForm(r)
		page.YAML, page.SaveError = doc, errcode.From(err).Detail
		c.showRules(w, r, http.StatusBadRequest, page)
		return
	}
	http.Redirect(w, r, "/rules?saved=1", http.StatusSeeOther)
}

// dryRun tries the pasted draft over the admin's recent messages and shows
// the matches on the page; nothing is stored.
func (c *Console) dryRun(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRulesForm)
	if !checkCSRF(r) {
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	page := rulesForm(r)
	rep, err := c.api.DryRunYAML(r, []byte(page.Draft), page.Limit)
	if err != nil {
		if !isRuleInputError(err) {
			c.fail(w, r, err)
			return
		}
		page.DryError = errcode.From(err).Detail
		c.showRules(w, r, http.StatusBadRequest, page)
		return
	}
	page.DryRun = dryRunRows(rep, langOf(r))
	c.showRules(w, r, http.StatusOK, page)
}

// isRuleInputError reports whether err is about what the admin typed, to
// show beside the form rather than as an error page.
func isRuleInputError(err error) bool {
	return errors.Is(err, errcode.InvalidRule) || errors.Is(err, errcode.MissingField) ||
		errors.Is(err, errcode.InvalidRequest)
}

// dryRunRows prepares a report for the page.
func dryRunRows(rep api.DryRunReport, lang string) *dryRunView {
	v := &dryRunView{Scanned: rep.Scanned}
	for _, it := range rep.Items {
		row := dryRunRow{DryRunItem: it, Would: outcomeSummary(it.Outcome, lang)}
		for _, m := range it.Matches {
			row.RuleNames = append(row.RuleNames, m.Name)
		}
		v.Items = append(v.Items, row)
	}
	return v
}
