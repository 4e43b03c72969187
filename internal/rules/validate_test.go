package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
)

// valid is a minimal rule that passes validation; cases break one field.
func valid() Rule {
	return Rule{Name: "urgent", Enabled: true, Actions: Actions{Tags: []string{"urgent"}}}
}

func TestValidateRegexPosition(t *testing.T) {
	tests := []struct {
		pattern string
		msg     string
		pos     int
	}{
		{`(紧急|urgent`, "missing closing )", 0},
		{`^ab(c(d)`, "missing closing )", 3},
		{`a)b`, "unexpected )", 1},
		{`(a)\)b)`, "unexpected )", 6},
		{`[(]x(`, "missing closing )", 4},
		{`[**]a**`, "invalid nested repetition operator", 5},
		{`审批**`, "invalid nested repetition operator", 6},
		{`ok[a-`, "missing closing ]", 2},
		{`x\q`, "invalid escape sequence", 1},
		{`abc\`, "trailing backslash at end of expression", 3},
		{`a{1001}`, "invalid repeat count", 1},
		{`(?z)`, "invalid or unsupported Perl syntax", 0},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			r := valid()
			r.Conditions.Regex = []string{`ok`, tt.pattern}
			err := Validate(r)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%q) = %v, want *ValidationError", tt.pattern, err)
			}
			if ve.Field != "conditions.regex[1]" || ve.Msg != tt.msg || ve.Pos != tt.pos {
				t.Errorf("got field %q msg %q pos %d, want conditions.regex[1] %q %d",
					ve.Field, ve.Msg, ve.Pos, tt.msg, tt.pos)
			}
		})
	}
}

func TestValidationErrorText(t *testing.T) {
	r := valid()
	r.Conditions.Regex = []string{`ok`, `(ab|cd)(e`}
	err := Validate(r)
	if want := "conditions.regex[1]: missing closing ): at position 7"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	_, err = Compile([]Rule{valid(), r})
	if want := `rules[1] ("urgent"): conditions.regex[1]`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Compile error %v, want prefix %q", err, want)
	}
}

func TestValidateFields(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Rule)
		field string // "" means valid
	}{
		{"minimal", func(*Rule) {}, ""},
		{"stop only", func(r *Rule) { r.Actions = Actions{}; r.Stop = true }, ""},
		{"no name", func(r *Rule) { r.Name = " " }, "name"},
		{"does nothing", func(r *Rule) { r.Actions = Actions{} }, "actions"},
		{"negative position", func(r *Rule) { r.Position = -1 }, "position"},
		{"empty keyword", func(r *Rule) { r.Conditions.Keywords.Any = []string{"紧急", " "} }, "conditions.keywords.any[1]"},
		{"empty none keyword", func(r *Rule) { r.Conditions.Keywords.None = []string{""} }, "conditions.keywords.none[0]"},
		{"long keyword", func(r *Rule) { r.Conditions.Keywords.All = []string{strings.Repeat("急", 101)} }, "conditions.keywords.all[0]"},
		{"bad kind", func(r *Rule) { r.Conditions.Kinds = []model.MessageKind{"text", "sticker"} }, "conditions.kinds[1]"},
		{"zero channel id", func(r *Rule) { r.Conditions.ChannelIDs = []int64{0} }, "conditions.channel_ids[0]"},
		{"negative sender", func(r *Rule) { r.Conditions.SenderIDs = []int64{3, -1} }, "conditions.sender_ids[1]"},
		{"empty channel kind", func(r *Rule) { r.Conditions.ChannelKinds = []string{""} }, "conditions.channel_kinds[0]"},
		{"empty regex", func(r *Rule) { r.Conditions.Regex = []string{""} }, "conditions.regex[0]"},
		{"from without to", func(r *Rule) { r.Conditions.Time.From = "09:00" }, "conditions.time"},
		{"bad from", func(r *Rule) { r.Conditions.Time.From, r.Conditions.Time.To = "9:00", "18:00" }, "conditions.time.from"},
		{"bad to", func(r *Rule) { r.Conditions.Time.From, r.Conditions.Time.To = "09:00", "18:60" }, "conditions.time.to"},
		{"24:00 end", func(r *Rule) { r.Conditions.Time.From, r.Conditions.Time.To = "18:00", "24:00" }, ""},
		{"24:00 start", func(r *Rule) { r.Conditions.Time.From, r.Conditions.Time.To = "24:00", "08:00" }, "conditions.time.from"},
		{"empty window", func(r *Rule) { r.Conditions.Time.From, r.Conditions.Time.To = "09:00", "09:00" }, "conditions.time"},
		{"bad weekday", func(r *Rule) { r.Conditions.Time.Weekdays = Weekdays{time.Monday, 7} }, "conditions.time.weekdays[1]"},
		{"bad tz", func(r *Rule) { r.Conditions.Time.TZ = "Mars/Olympus" }, "conditions.time.tz"},
		{"good tz", func(r *Rule) { r.Conditions.Time.TZ = "Europe/Berlin" }, ""},
		{"bad priority", func(r *Rule) { r.Actions.Priority = "P0" }, "actions.priority"},
		{"lower-case priority", func(r *Rule) { r.Actions.Priority = "p1" }, "actions.priority"},
		{"bad notify", func(r *Rule) { r.Actions.Notify = "later" }, "actions.notify"},
		{"interval without digest", func(r *Rule) { r.Actions.DigestInterval = Duration(time.Hour) }, "actions.digest_interval"},
		{"tiny interval", func(r *Rule) { r.Actions.Notify, r.Actions.DigestInterval = NotifyDigest, 1 }, "actions.digest_interval"},
		{"task without deadline", func(r *Rule) { r.Actions.Task.Title = "跟进" }, "actions.task.deadline"},
		{"task with deadline", func(r *Rule) { r.Actions.Task.Deadline = Duration(24 * time.Hour) }, ""},
		{"negative route", func(r *Rule) { r.Actions.RouteTo.PersonID = -5 }, "actions.route_to"},
		{"empty tag", func(r *Rule) { r.Actions.Tags = []string{""} }, "actions.tags[0]"},
		{"long auto-reply", func(r *Rule) { r.Actions.AutoReply = strings.Repeat("x", MaxTextLen+1) }, "actions.auto_reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.edit(&r)
			err := Validate(r)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("Validate = %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestCompileRefusesDuplicateIDs(t *testing.T) {
	a, b := valid(), valid()
	a.ID, b.ID = 7, 7
	_, err := Compile([]Rule{a, b})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Rule != 1 || ve.Field != "id" {
		t.Fatalf("Compile = %v, want duplicate id error on rules[1]", err)
	}
}
