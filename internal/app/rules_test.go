package app

import (
	"slices"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/rules"
)

func TestRulesTagNewMessages(t *testing.T) {
	set, err := rules.Compile([]rules.Rule{
		{ID: 1, Name: "urgent", Enabled: true, Position: 1,
			Conditions: rules.Conditions{Keywords: rules.Keywords{Any: []string{"紧急", "urgent"}}},
			Actions:    rules.Actions{Tags: []string{"紧急", "triage"}}},
		{ID: 2, Name: "approval", Enabled: true, Position: 2,
			Conditions: rules.Conditions{Keywords: rules.Keywords{Any: []string{"审批"}}},
			Actions:    rules.Actions{Tags: []string{"approval", "triage"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var r ruleSet
	cases := []struct {
		text string
		want []string
	}{
		{"这个问题很紧急", []string{"紧急", "triage"}},
		{"URGENT: 请审批", []string{"紧急", "triage", "approval"}},
		{"谢谢", nil},
	}
	r.annotate(&model.Message{Text: "紧急"}) // no set installed: nothing happens, no panic
	r.install(set)
	for _, c := range cases {
		m := model.Message{Text: c.text, Kind: model.KindText}
		r.annotate(&m)
		if !slices.Equal(m.Tags, c.want) {
			t.Errorf("%q tagged %v, want %v", c.text, m.Tags, c.want)
		}
	}
}
