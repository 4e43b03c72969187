package rules

import (
	"reflect"
	"testing"
	"time"
)

// m is a match of rule id with actions a.
func m(id int64, a Actions) Match { return Match{RuleID: id, Actions: a} }

func TestMerge(t *testing.T) {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	tests := []struct {
		name    string
		matches []Match
		want    Outcome
	}{
		{"nothing", nil, Outcome{}},
		{"tags union in order", []Match{m(1, Actions{Tags: []string{"紧急", "ops"}}), m(2, Actions{Tags: []string{"ops", "审批"}})},
			Outcome{RuleIDs: []int64{1, 2}, Tags: []string{"紧急", "ops", "审批"}}},
		{"most urgent priority wins", []Match{m(1, Actions{Priority: "P3"}), m(2, Actions{Priority: "P1"}), m(3, Actions{Priority: "P2"})},
			Outcome{RuleIDs: []int64{1, 2, 3}, Priority: "P1"}},
		{"first category wins", []Match{m(1, Actions{Category: "售后"}), m(2, Actions{Category: "需求"})},
			Outcome{RuleIDs: []int64{1, 2}, Category: "售后"}},
		{"routes collected without repeats", []Match{
			m(1, Actions{RouteTo: Route{OrgUnitID: 7}}), m(2, Actions{RouteTo: Route{Role: "dept_head", OrgUnitID: 7}}),
			m(3, Actions{RouteTo: Route{OrgUnitID: 7}}), m(4, Actions{RouteTo: Route{PersonID: 9}})},
			Outcome{RuleIDs: []int64{1, 2, 3, 4}, Routes: []Route{{OrgUnitID: 7}, {Role: "dept_head", OrgUnitID: 7}, {PersonID: 9}}}},
		{"now beats digest", []Match{m(1, Actions{Notify: NotifyDigest, DigestInterval: h(2)}), m(2, Actions{Notify: NotifyNow})},
			Outcome{RuleIDs: []int64{1, 2}, Notify: NotifyNow}},
		{"digest default interval", []Match{m(1, Actions{Notify: NotifyDigest})},
			Outcome{RuleIDs: []int64{1}, Notify: NotifyDigest, DigestInterval: Duration(DefaultDigestInterval)}},
		{"shortest digest interval", []Match{m(1, Actions{Notify: NotifyDigest, DigestInterval: h(2)}), m(2, Actions{Notify: NotifyDigest, DigestInterval: h(1)})},
			Outcome{RuleIDs: []int64{1, 2}, Notify: NotifyDigest, DigestInterval: h(1)}},
		{"urgent and confidential from any rule", []Match{m(1, Actions{Urgent: true}), m(2, Actions{Confidential: true}), m(3, Actions{Tags: []string{"x"}})},
			Outcome{RuleIDs: []int64{1, 2, 3}, Urgent: true, Confidential: true, Tags: []string{"x"}}},
		{"first task, retention, reply", []Match{
			m(1, Actions{Task: Task{Title: "跟进", Deadline: h(24)}, RetentionClass: "finance", AutoReply: "已收到"}),
			m(2, Actions{Task: Task{Title: "审批", Deadline: h(4)}, RetentionClass: "ordinary", AutoReply: "收到"})},
			Outcome{RuleIDs: []int64{1, 2}, Task: &Task{Title: "跟进", Deadline: h(24)}, RetentionClass: "finance", AutoReply: "已收到"}},
		{"stop recorded", []Match{m(1, Actions{Tags: []string{"a"}}), {RuleID: 2, Stop: true, Actions: Actions{Tags: []string{"b"}}}},
			Outcome{RuleIDs: []int64{1, 2}, Tags: []string{"a", "b"}, StoppedBy: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Merge(tt.matches); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Merge\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestScenarioUrgentAndFollowUp is the product's first scenario end to end:
// 紧急/审批 reach the department head now, 需跟进/待审批 become tasks, the rest
// goes to a two-hour digest.
func TestScenarioUrgentAndFollowUp(t *testing.T) {
	rules := []Rule{
		{ID: 1, Name: "urgent", Enabled: true, Position: 1,
			Conditions: Conditions{Keywords: Keywords{Any: []string{"紧急", "审批", "urgent"}}},
			Actions:    Actions{Tags: []string{"urgent"}, Priority: "P1", Urgent: true, Notify: NotifyNow, RouteTo: Route{Role: "dept_head", OrgUnitID: 20}}},
		{ID: 2, Name: "需跟进", Enabled: true, Position: 2,
			Conditions: Conditions{Keywords: Keywords{Any: []string{"需跟进", "待审批"}}},
			Actions:    Actions{Tags: []string{"follow-up"}, Task: Task{Deadline: Duration(24 * time.Hour)}}},
		{ID: 3, Name: "digest", Enabled: true, Position: 3, Actions: Actions{Notify: NotifyDigest}},
	}
	set, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []Input{msg("合同待审批，请尽快处理"), msg("周五团建通知"), msg("客户反馈需跟进")}
	for i := range inputs {
		inputs[i].MessageID = int64(i + 1)
	}
	got := DryRun(set, inputs)
	want := []Outcome{
		{RuleIDs: []int64{1, 2, 3}, Tags: []string{"urgent", "follow-up"}, Priority: "P1", Urgent: true,
			Routes: []Route{{Role: "dept_head", OrgUnitID: 20}}, Notify: NotifyNow, Task: &Task{Title: "需跟进", Deadline: Duration(24 * time.Hour)}},
		{RuleIDs: []int64{3}, Notify: NotifyDigest, DigestInterval: Duration(DefaultDigestInterval)},
		{RuleIDs: []int64{2, 3}, Tags: []string{"follow-up"}, Notify: NotifyDigest, DigestInterval: Duration(DefaultDigestInterval),
			Task: &Task{Title: "需跟进", Deadline: Duration(24 * time.Hour)}},
	}
	if len(got) != len(want) {
		t.Fatalf("dry run gave %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].MessageID != int64(i+1) || !reflect.DeepEqual(got[i].Outcome, want[i]) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i+1, got[i].Outcome, want[i])
		}
	}
}

func TestDryRunSkipsUnmatchedAndChangesNothing(t *testing.T) {
	r := ruleWith(1, Conditions{Keywords: Keywords{Any: []string{"紧急"}}})
	set, err := Compile([]Rule{r})
	if err != nil {
		t.Fatal(err)
	}
	in := []Input{msg("普通"), msg("紧急"), msg("紧急")}
	in[1].MessageID, in[2].MessageID = 2, 3
	res := DryRun(set, in)
	if len(res) != 2 || res[0].MessageID != 2 || res[1].MessageID != 3 {
		t.Fatalf("dry run %+v, want messages 2 and 3", res)
	}
	res[0].Matches[0].Actions.Tags = append(res[0].Matches[0].Actions.Tags[:0:0], "changed")
	if again := set.Evaluate(msg("紧急")); again[0].Actions.Tags[0] != "t" {
		t.Fatalf("set changed after dry run: %v", again[0].Actions.Tags)
	}
}
