package console

import (
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/rules"
)

// TestRuleSummariesAreTranslated summarises a rule using every condition and
// action in each language: no label may fall back to its raw key.
func TestRuleSummariesAreTranslated(t *testing.T) {
	c := rules.Conditions{ChannelIDs: []int64{1}, ChannelKinds: []string{"wecom"}, ConversationIDs: []int64{2},
		SenderIDs: []int64{3}, SenderOrgUnits: []int64{4}, OrgUnits: []int64{5}, Kinds: []model.MessageKind{model.KindVoice},
		Keywords: rules.Keywords{Any: []string{"a"}, All: []string{"b"}, None: []string{"c"}}, Regex: []string{"x"},
		Mentions: []string{"@all"}, Time: rules.TimeWindow{Weekdays: rules.Weekdays{time.Monday}, From: "09:00", To: "18:00"}}
	a := rules.Actions{Tags: []string{"t"}, Category: "c", Priority: "P2", Urgent: true,
		RouteTo: rules.Route{OrgUnitID: 7, Role: "dept_head", PersonID: 9}, Notify: rules.NotifyDigest,
		Task: rules.Task{Title: "跟进", Deadline: rules.Duration(time.Hour)}, RetentionClass: "long",
		Confidential: true, AutoReply: "收到"}
	for lang := range messages {
		items := append(conditionSummary(c, lang), actionSummary(a, true, lang)...)
		if len(items) != 13+11 {
			t.Errorf("%s: %d summary lines, want one per condition and action", lang, len(items))
		}
		for _, it := range items {
			text := it.Label + " " + it.Value
			for _, raw := range []string{"rules.", "day.", "kind."} {
				if strings.Contains(text, raw) {
					t.Errorf("%s: untranslated %q", lang, text)
				}
			}
		}
		if got := conditionSummary(rules.Conditions{}, lang); len(got) != 1 || got[0].Label != messages[lang]["rules.c.every"] {
			t.Errorf("%s: a rule without conditions reads %v", lang, got)
		}
	}
}
