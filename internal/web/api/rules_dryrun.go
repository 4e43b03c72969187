package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// Dry-run sizes: how many recent messages are tried by default and at most.
const (
	DryRunDefault = 100
	DryRunMax     = 1000
)

// excerptRunes caps the text shown per dry-run match.
const excerptRunes = 120

// storePageMax is the most messages one store query returns.
const storePageMax = 500

// DryRunReport is what draft rules would do to the caller's recent messages.
type DryRunReport struct {
	Scanned int          `json:"scanned"` // inbound messages tried
	Items   []DryRunItem `json:"items"`   // those at least one draft matched, newest first
}

// DryRunItem is one message a draft matched and what the drafts would do to it.
type DryRunItem struct {
	MessageID      int64         `json:"message_id"`
	ConversationID int64         `json:"conversation_id"`
	ChannelID      int64         `json:"channel_id"`
	SenderName     string        `json:"sender_name"`
	SentAt         time.Time     `json:"sent_at"`
	Excerpt        string        `json:"excerpt"`
	Matches        []rules.Match `json:"matches"`
	Outcome        rules.Outcome `json:"outcome"`
}

// DryRun evaluates draft rules over the last limit messages the caller may
// read, with the same matcher the intake uses, and changes nothing. The
// console uses it too.
func (a *API) DryRun(r *http.Request, drafts []rules.Rule, limit int) (DryRunReport, error) {
	rep := DryRunReport{Items: []DryRunItem{}}
	if err := a.adminOnly(r, "rule.dry_run"); err != nil {
		return rep, err
	}
	set, err := compileDrafts(drafts)
	if err != nil {
		return rep, err
	}
	if limit == 0 {
		limit = DryRunDefault
	}
	if limit < 1 || limit > DryRunMax {
		return rep, errcode.InvalidRequest.With("limit %d: want 1..%d", limit, DryRunMax)
	}
	msgs, err := a.recentMessages(r, limit)
	if err != nil {
		return rep, err
	}
	byID := make(map[int64]*model.Message, len(msgs))
	inputs := make([]rules.Input, 0, len(msgs))
	for i := range msgs {
		// Live rules see only inbound messages (see store.Annotating), so a
		// dry run that matched replies would promise what never happens.
		if msgs[i].Direction == model.Inbound {
			byID[msgs[i].ID] = &msgs[i]
			inputs = append(inputs, rules.FromMessage(&msgs[i]))
		}
	}
	rep.Scanned = len(inputs)
	for _, res := range rules.DryRun(set, inputs) {
		m := byID[res.MessageID]
		rep.Items = append(rep.Items, DryRunItem{MessageID: m.ID, ConversationID: m.ConversationID, ChannelID: m.ChannelID,
			SenderName: m.SenderName, SentAt: m.SentAt, Excerpt: excerpt(m.Text), Matches: res.Matches, Outcome: res.Outcome})
	}
	return rep, nil
}

// compileDrafts validates and compiles draft rules, each enabled: a dry run
// of a disabled draft would show nothing.
func compileDrafts(drafts []rules.Rule) (*rules.Set, error) {
	if len(drafts) == 0 {
		return nil, errcode.MissingField.With("a draft rule (rule or rules)")
	}
	if len(drafts) == 1 { // a lone draft's errors read better without the "rules[0]" prefix
		if err := rules.Validate(drafts[0]); err != nil {
			return nil, invalidRule(err)
		}
	}
	for i := range drafts {
		drafts[i].Enabled = true
	}
	set, err := rules.Compile(drafts)
	if err != nil {
		return nil, invalidRule(err)
	}
	return set, nil
}

// recentMessages returns up to n of the newest messages in the caller's
// scope, newest first, a store page at a time.
func (a *API) recentMessages(r *http.Request, n int) ([]model.Message, error) {
	var out []model.Message
	f := store.MessageFilter{}
	for len(out) < n {
		f.Limit = min(n-len(out), storePageMax)
		page, err := a.ListMessages(r, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			break
		}
		f.Before = page.Items[len(page.Items)-1].ID
	}
	return out, nil
}

// excerpt shortens a message text to one line of excerptRunes.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= excerptRunes {
		return s
	}
	return string([]rune(s)[:excerptRunes]) + "…"
}

// dryRunRequest is the JSON body of POST /api/v1/rules/dry-run.
type dryRunRequest struct {
	Rule  *rules.Rule  `json:"rule"`
	Rules []rules.Rule `json:"rules"`
	Limit int          `json:"limit"`
}

// DryRunYAML is DryRun for drafts written in YAML: one rule, or a rules
// document, as an admin pastes it in the console.
func (a *API) DryRunYAML(r *http.Request, doc []byte, limit int) (DryRunReport, error) {
	if err := a.adminOnly(r, "rule.dry_run"); err != nil { // before parsing what a non-admin sent
		return DryRunReport{}, err
	}
	drafts, err := rules.UnmarshalDraftYAML(doc)
	if err != nil {
		return DryRunReport{}, invalidRule(err)
	}
	return a.DryRun(r, drafts, limit)
}

// dryRun takes JSON {"rule" or "rules", "limit"}, or a YAML body with ?limit=.
func (a *API) dryRun(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "rule.dry_run") {
		return
	}
	var rep DryRunReport
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/yaml" || ct == "text/yaml" {
		rep, err = a.dryRunYAMLBody(r)
	} else {
		var req dryRunRequest
		if err = decode(r, &req); err == nil {
			if req.Rule != nil {
				req.Rules = append([]rules.Rule{*req.Rule}, req.Rules...)
			}
			rep, err = a.DryRun(r, req.Rules, req.Limit)
		}
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// dryRunYAMLBody runs the YAML drafts of the request body.
func (a *API) dryRunYAMLBody(r *http.Request) (DryRunReport, error) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return DryRunReport{}, errcode.InvalidRequest.With("limit=%q is not a number", v)
		}
		limit = n
	}
	doc, err := readBody(r, maxRulesBody)
	if err != nil {
		return DryRunReport{}, err
	}
	return a.DryRunYAML(r, doc, limit)
}
