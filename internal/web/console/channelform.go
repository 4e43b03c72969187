package console

import (
	"net/http"
	"slices"
	"strings"

	"switchboard/internal/channel/dingtalk"
	"switchboard/internal/channel/feishu"
	"switchboard/internal/channel/webhook"
)

// customChoice is the select value that uses the text box beside it.
const customChoice = "custom"

// field is one setting of a channel kind as the form offers it. The names
// are the drivers' setting names (their Prepare refuses any other), the
// labels are keys of messages.
type field struct {
	Name     string
	Required bool
	Secret   bool     // write-only: never rendered back, blank on edit keeps it
	Choices  []choice // a select instead of a text box
	Custom   bool     // the select has an "other" text box (a base URL: Feishu, Lark, the simulator)
	Default  string   // shown as the placeholder of a text box
}

// choice is one option of a select.
type choice struct{ Value, Key string }

// Label and Hint are the field's message keys.
func (f field) Label() string { return "chf." + f.Name }
func (f field) Hint() string  { return "chf." + f.Name + ".hint" }

var sendAs = []choice{{"text", "chf.send_as.text"}, {"card", "chf.send_as.card"}}

// kindFields lists each kind's settings in the order the form shows them.
var kindFields = map[string][]field{
	webhook.Kind: {
		{Name: "url"},
	},
	feishu.Kind: {
		{Name: "app_id", Required: true},
		{Name: "app_secret", Required: true, Secret: true},
		{Name: "verification_token", Required: true, Secret: true},
		{Name: "encrypt_key", Secret: true},
		{Name: "base_url", Custom: true, Choices: []choice{{feishu.FeishuBaseURL, "chf.base_url.feishu"}, {feishu.LarkBaseURL, "chf.base_url.lark"}}},
		{Name: "mode", Choices: []choice{{"callback", "chf.mode.callback"}, {"long_connection", "chf.mode.long_connection"}}},
		{Name: "send_as", Choices: sendAs},
		{Name: "reply_in_thread", Choices: []choice{{"false", "chf.reply_in_thread.no"}, {"true", "chf.reply_in_thread.yes"}}},
	},
	dingtalk.Kind: {
		{Name: "app_key", Required: true},
		{Name: "app_secret", Required: true, Secret: true},
		{Name: "robot_code"},
		{Name: "mode", Choices: []choice{{"callback", "chf.mode.callback"}, {"stream", "chf.mode.stream"}}},
		{Name: "token", Secret: true},
		{Name: "aes_key", Secret: true},
		{Name: "send_as", Choices: sendAs},
		{Name: "card_template_id"},
		{Name: "webhook_token", Secret: true},
		{Name: "webhook_secret", Secret: true},
		{Name: "base_url", Default: dingtalk.APIBaseURL},
		{Name: "oapi_base_url", Default: dingtalk.OAPIBaseURL},
	},
}

// channelKinds is the order the "add channel" choices appear in.
var channelKinds = []string{feishu.Kind, dingtalk.Kind, webhook.Kind}

// fieldRow is a field with what the form shows in it.
type fieldRow struct {
	field
	Value   string // the select's value, or the text box's
	Other   string // the "other" text box beside a Custom select
	Error   string // the driver's refusal, when it names this field
	Editing bool   // an existing channel: a blank secret keeps the stored one
}

// channelForm is the add / edit form's state.
type channelForm struct {
	Kind, Name string
	Unit       int64
	Fields     []fieldRow
	Error      string // the driver's or API's refusal, as it said it
}

// formFields fills kind's fields from known values (the form as typed, or
// the stored public settings); secrets are always left blank.
func formFields(kind string, values map[string]string, editing bool) []fieldRow {
	var out []fieldRow
	for _, f := range kindFields[kind] {
		row := fieldRow{field: f, Editing: editing}
		if !f.Secret {
			row.Value = values[f.Name]
		}
		if f.Custom && row.Value != "" && !slices.ContainsFunc(f.Choices, func(c choice) bool { return c.Value == row.Value }) {
			row.Value, row.Other = customChoice, values[f.Name]
		}
		out = append(out, row)
	}
	return out
}

// readSettings turns the posted form into settings for the API. Blank
// fields are left out: on create the driver's default applies, on edit the
// stored value stays (so a secret is never cleared by not retyping it).
func readSettings(r *http.Request, kind string) map[string]string {
	out := map[string]string{}
	for _, f := range kindFields[kind] {
		v := strings.TrimSpace(r.PostFormValue("s." + f.Name))
		if f.Custom && (v == customChoice || v == "") {
			v = strings.TrimSpace(r.PostFormValue("s." + f.Name + ".other"))
		}
		if v != "" {
			out[f.Name] = v
		}
	}
	return out
}

// markError attaches a refusal to the field it names. Drivers start their
// messages with the setting's name ("app_secret", "mode \"stream\": …").
func markError(rows []fieldRow, detail string) {
	best := -1
	for i, r := range rows {
		if names(detail, r.Name) && (best < 0 || len(r.Name) > len(rows[best].Name)) {
			best = i
		}
	}
	if best >= 0 {
		rows[best].Error = detail
	}
}

// names reports whether detail begins with the setting name as a word.
func names(detail, name string) bool {
	rest, ok := strings.CutPrefix(detail, name)
	return ok && (rest == "" || strings.ContainsRune(" :(", rune(rest[0])))
}
