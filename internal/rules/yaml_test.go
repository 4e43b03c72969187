package rules

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
)

// full uses every field, so round trips cover all of them.
func full() []Rule {
	return []Rule{
		{ID: 2, Name: "需跟进", Enabled: false, Position: 20,
			Conditions: Conditions{Keywords: Keywords{Any: []string{"需跟进", "待审批"}}},
			Actions:    Actions{Task: Task{Title: "跟进", Deadline: Duration(72 * time.Hour)}, RetentionClass: "ordinary"}},
		{ID: 1, Name: "紧急 during work hours", Enabled: true, Position: 10, Stop: true,
			Conditions: Conditions{
				ChannelIDs: []int64{1, 2}, ChannelKinds: []string{"wecom", "dingtalk"}, ConversationIDs: []int64{9},
				SenderIDs: []int64{100}, SenderOrgUnits: []int64{20}, OrgUnits: []int64{30},
				Kinds:    []model.MessageKind{model.KindText, model.KindVoice},
				Keywords: Keywords{Any: []string{"紧急", "Urgent"}, All: []string{"审批"}, None: []string{"测试"}},
				Regex:    []string{`(?i)\bP1\b`}, Mentions: []string{"@all"},
				Time: TimeWindow{Weekdays: Weekdays{time.Monday, time.Friday}, From: "09:00", To: "18:00", TZ: "Asia/Shanghai"},
			},
			Actions: Actions{Tags: []string{"urgent"}, Category: "故障", Priority: "P1", Urgent: true,
				RouteTo: Route{OrgUnitID: 7, Role: "dept_head", PersonID: 5}, Notify: NotifyDigest,
				DigestInterval: Duration(90 * time.Minute), Confidential: true, AutoReply: "已收到，正在处理"}},
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	b, err := MarshalYAML(full())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digest_interval: 1h30m", "deadline: 72h", "- mon", "sender_org_units:", "route_to:"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("export lacks %q:\n%s", want, b)
		}
	}
	got, err := UnmarshalYAML(b)
	if err != nil {
		t.Fatalf("UnmarshalYAML: %v\n%s", err, b)
	}
	want := full()
	want[0], want[1] = want[1], want[0] // export is ordered by position
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(full())
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"weekdays":["mon","fri"]`) || !strings.Contains(s, `"deadline":"72h"`) {
		t.Errorf("unexpected JSON form: %s", s)
	}
	var got []Rule
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, full()) {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, full())
	}
}

func TestUnmarshalYAMLDefaults(t *testing.T) {
	doc := `
rules:
  - name: urgent
    conditions:
      keywords: {any: [紧急, URGENT]}
      time: {weekdays: [Monday, tue, 3], from: "09:00", to: "18:00"}
    actions: {tags: [urgent], notify: now}
  - name: follow-up
    enabled: false
    actions:
      task: {deadline: 2d}
`
	rules, err := UnmarshalYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || !rules[0].Enabled || rules[1].Enabled {
		t.Fatalf("enabled defaults wrong: %+v", rules)
	}
	if rules[0].Position != 1 || rules[1].Position != 2 {
		t.Errorf("positions %d, %d, want 1, 2", rules[0].Position, rules[1].Position)
	}
	if got := rules[0].Conditions.Time.Weekdays; !reflect.DeepEqual(got, Weekdays{1, 2, 3}) {
		t.Errorf("weekdays %v", got)
	}
	if rules[1].Actions.Task.Deadline.D() != 48*time.Hour {
		t.Errorf("deadline %v, want 48h", rules[1].Actions.Task.Deadline)
	}
}

func TestUnmarshalYAMLRefuses(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key", "rules:\n  - name: x\n    conditions: {keyword: [紧急]}\n    actions: {tags: [a]}\n", "field keyword not found"},
		{"bad regex", "rules:\n  - name: ok\n    actions: {tags: [a]}\n  - name: bad\n    conditions: {regex: ['(紧急']}\n    actions: {tags: [a]}\n",
			`rules[1] ("bad"): conditions.regex[0]: missing closing ): at position 0`},
		{"bad weekday", "rules:\n  - name: x\n    conditions: {time: {weekdays: [funday]}}\n    actions: {tags: [a]}\n", `invalid weekday "funday"`},
		{"bad duration", "rules:\n  - name: x\n    actions: {task: {deadline: soon}}\n", `invalid duration "soon"`},
		{"not yaml", "rules: [", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnmarshalYAML([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := UnmarshalYAML([]byte("rules:\n  - name: x\n    actions: {priority: P9}\n"))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Rule != 0 || ve.Field != "actions.priority" {
		t.Fatalf("error %v, want *ValidationError on rules[0] actions.priority", err)
	}
}

func TestUnmarshalDraftYAML(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		names   []string
		wantErr string
	}{
		{"single rule", "name: 紧急\nenabled: false\nconditions:\n  keywords:\n    any: [紧急]\nactions:\n  tags: [urgent]\n",
			[]string{"紧急"}, ""},
		{"document", "rules:\n  - name: a\n    actions: {tags: [x]}\n  - name: b\n    enabled: false\n    actions: {tags: [y]}\n",
			[]string{"a", "b"}, ""},
		{"bad regex has its path", "name: r\nconditions:\n  regex: ['(a']\nactions: {tags: [x]}\n",
			nil, "conditions.regex[0]"},
		{"misspelt key has its line", "name: r\nactions: {tags: [x]}\nconditons: {}\n", nil, "line 3"},
		{"not yaml", "name: [", nil, "yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := UnmarshalDraftYAML([]byte(c.in))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range rs {
				names = append(names, r.Name)
				if !r.Enabled {
					t.Errorf("draft %q is not enabled", r.Name)
				}
			}
			if !reflect.DeepEqual(names, c.names) {
				t.Errorf("names %v, want %v", names, c.names)
			}
		})
	}
}
