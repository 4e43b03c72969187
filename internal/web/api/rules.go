package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/bus"
	"switchboard/internal/errcode"
	"switchboard/internal/rules"
)

// maxRulesBody bounds a YAML import or dry-run body; a thousand rules fit.
const maxRulesBody = 1 << 20

// ruleRef names a rule in the audit log.
func ruleRef(id int64) string { return "rule:" + strconv.FormatInt(id, 10) }

// invalidRule turns a validation or YAML error into the catalogue's 400; the
// message keeps the field path ("rules[2] (\"x\"): conditions.regex[0]: …")
// or the YAML line.
func invalidRule(err error) error {
	var ve *rules.ValidationError
	if errors.As(err, &ve) {
		return errcode.InvalidRule.With("%s", ve.Error())
	}
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "rules: "), "yaml: ")
	return errcode.InvalidRule.With("%s", msg)
}

// rulesChanged audits a rule change and puts it into effect: this node
// recompiles at once, so the answer means the new rules are in use here; the
// other nodes reload on the bus event. The publishing node gets the event
// too and reloads once more, which is harmless and keeps the bus path simple.
func (a *API) rulesChanged(r *http.Request, action, resource, detail string) {
	a.Audit.Record(r, action, resource, true, detail)
	ctx := context.WithoutCancel(r.Context()) // the change is committed; finish applying it
	if a.ReloadRules != nil {
		if err := a.ReloadRules(ctx); err != nil {
			a.Log.Error("rules changed but not reloaded", "action", action, "err", err)
		}
	}
	if err := a.Bus.Publish(ctx, bus.Event{Type: bus.RulesChanged}); err != nil {
		a.Log.Warn("rules changed: other nodes not told", "err", err)
	}
}

// ListRules returns every rule in evaluation order to an admin. The console uses it too.
func (a *API) ListRules(r *http.Request) ([]rules.Rule, error) {
	if err := a.adminOnly(r, "rule.list"); err != nil {
		return nil, err
	}
	return a.Store.ListRules(r.Context())
}

// ExportRules returns every rule as one YAML document that ImportRules reads back.
func (a *API) ExportRules(r *http.Request) ([]byte, error) {
	if err := a.adminOnly(r, "rule.export"); err != nil {
		return nil, err
	}
	rs, err := a.Store.ListRules(r.Context())
	if err != nil {
		return nil, err
	}
	return rules.MarshalYAML(rs)
}

// ImportRules replaces the whole rule list with a YAML document in one
// transaction: on any error nothing changes. The console uses it too.
func (a *API) ImportRules(r *http.Request, doc []byte) ([]rules.Rule, error) {
	if err := a.adminOnly(r, "rule.import"); err != nil {
		return nil, err
	}
	// An empty body would wipe every rule; that takes an explicit "rules: []".
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, errcode.MissingField.With("a YAML document `rules: [...]`")
	}
	rs, err := rules.UnmarshalYAML(doc)
	if err == nil {
		_, err = rules.Compile(rs) // UnmarshalYAML validated; this catches what only compiling finds
	}
	if err != nil {
		return nil, invalidRule(err)
	}
	if err := a.checkRuleTickets(r.Context(), rs...); err != nil {
		return nil, err
	}
	stored, err := a.Store.ReplaceRules(r.Context(), rs)
	if err != nil {
		return nil, err
	}
	a.rulesChanged(r, "rule.import", "rules", fmt.Sprintf("%d rules", len(stored)))
	return stored, nil
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) {
	rs, err := a.ListRules(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.read") {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		var rule rules.Rule
		if rule, err = a.Store.GetRule(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, rule)
			return
		}
	}
	a.fail(w, r, err)
}

// decodeRule reads and validates a rule from a JSON body. A rule that does
// not say "enabled" is enabled, as in YAML files.
func decodeRule(r *http.Request) (rules.Rule, error) {
	rule := rules.Rule{Enabled: true}
	if err := decode(r, &rule); err != nil {
		return rule, err
	}
	if err := rules.Validate(rule); err != nil {
		return rule, invalidRule(err)
	}
	return rule, nil
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.create") {
		return
	}
	rule, err := decodeRule(r)
	if err == nil {
		err = a.checkRuleTickets(r.Context(), rule)
	}
	if err == nil && rule.Position == 0 {
		rule.Position, err = a.nextPosition(r.Context())
	}
	if err == nil {
		rule, err = a.Store.CreateRule(r.Context(), rule)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.rulesChanged(r, "rule.create", ruleRef(rule.ID), rule.Name)
	writeJSON(w, http.StatusCreated, rule)
}

// nextPosition places a rule created without a position after every other,
// which is where an admin adding a rule expects it.
func (a *API) nextPosition(ctx context.Context) (int, error) {
	rs, err := a.Store.ListRules(ctx)
	last := 0
	for _, r := range rs {
		last = max(last, r.Position)
	}
	return last + 1, err
}

func (a *API) updateRule(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.update") {
		return
	}
	id, err := pathID(r, "id")
	var rule rules.Rule
	if err == nil {
		rule, err = decodeRule(r)
	}
	if err == nil {
		err = a.checkRuleTickets(r.Context(), rule)
	}
	if err == nil {
		rule.ID = id // the path names the rule; an id in the body cannot move the edit elsewhere
		rule, err = a.Store.UpdateRule(r.Context(), rule)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.rulesChanged(r, "rule.update", ruleRef(rule.ID), rule.Name)
	writeJSON(w, http.StatusOK, rule)
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.delete") {
		return
	}
	id, err := pathID(r, "id")
	var rule rules.Rule
	if err == nil {
		rule, err = a.Store.GetRule(r.Context(), id) // for the audit entry's name
	}
	if err == nil {
		err = a.Store.DeleteRule(r.Context(), id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.rulesChanged(r, "rule.delete", ruleRef(id), rule.Name)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) exportRules(w http.ResponseWriter, r *http.Request) {
	doc, err := a.ExportRules(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="switchboard-rules.yaml"`)
	w.Write(doc)
}

func (a *API) importRules(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.import") { // before reading a body a non-admin may not send
		return
	}
	doc, err := readBody(r, maxRulesBody)
	var rs []rules.Rule
	if err == nil {
		rs, err = a.ImportRules(r, doc)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

// readBody reads a raw (non-JSON) request body of at most limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, errcode.BodyTooLarge
	case err != nil:
		return nil, errcode.MalformedBody.With("%v", err)
	}
	return b, nil
}
