package rules

import (
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
)

var shanghai = func() *time.Location {
	l, err := loadLocation(DefaultTZ)
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a wall-clock time in Shanghai; 2025-06-02 is a Monday.
func at(day, hour, minute int) time.Time {
	return time.Date(2025, 6, day, hour, minute, 0, 0, shanghai)
}

// msg is a typical inbound WeCom text message, Monday 10:00 Shanghai time.
func msg(text string) Input {
	return Input{
		MessageID: 1, ChannelID: 1, ChannelKind: "wecom", ConversationID: 10,
		SenderID: 100, SenderOrgUnit: 20, OrgUnitID: 30, Kind: model.KindText,
		Text: text, Mentions: []string{"U42"}, SentAt: at(2, 10, 0),
	}
}

// ruleWith is an enabled rule with one tag and the given conditions.
func ruleWith(id int64, c Conditions) Rule {
	return Rule{ID: id, Name: "r", Enabled: true, Position: int(id), Conditions: c,
		Actions: Actions{Tags: []string{"t"}}}
}

// matchedIDs compiles rules, evaluates in and returns the ids of the matches.
func matchedIDs(t *testing.T, rules []Rule, in Input) []int64 {
	t.Helper()
	set, err := Compile(rules)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	var ids []int64
	for _, m := range set.Evaluate(in) {
		ids = append(ids, m.RuleID)
	}
	return ids
}

func TestConditions(t *testing.T) {
	tests := []struct {
		name string
		c    Conditions
		edit func(*Input)
		want bool
	}{
		{"no conditions", Conditions{}, nil, true},
		{"channel id", Conditions{ChannelIDs: []int64{2, 1}}, nil, true},
		{"other channel", Conditions{ChannelIDs: []int64{2}}, nil, false},
		{"channel kind any case", Conditions{ChannelKinds: []string{"DingTalk", "WeCom"}}, nil, true},
		{"other channel kind", Conditions{ChannelKinds: []string{"feishu"}}, nil, false},
		{"conversation", Conditions{ConversationIDs: []int64{10}}, nil, true},
		{"other conversation", Conditions{ConversationIDs: []int64{11}}, nil, false},
		{"sender", Conditions{SenderIDs: []int64{100}}, nil, true},
		{"unlinked sender", Conditions{SenderIDs: []int64{100}}, func(in *Input) { in.SenderID = 0 }, false},
		{"sender's department", Conditions{SenderOrgUnits: []int64{20}}, nil, true},
		{"sender's parent department", Conditions{SenderOrgUnits: []int64{5}},
			func(in *Input) { in.SenderOrgAncestors = []int64{5, 1} }, true},
		{"other sender department", Conditions{SenderOrgUnits: []int64{21}}, nil, false},
		{"org unit", Conditions{OrgUnits: []int64{30}}, nil, true},
		{"org unit ancestor", Conditions{OrgUnits: []int64{3}}, func(in *Input) { in.OrgAncestors = []int64{3} }, true},
		{"other org unit", Conditions{OrgUnits: []int64{31}}, nil, false},
		{"kind", Conditions{Kinds: []model.MessageKind{model.KindImage, model.KindText}}, nil, true},
		{"other kind", Conditions{Kinds: []model.MessageKind{model.KindVoice}}, nil, false},
		{"video kind", Conditions{Kinds: []model.MessageKind{model.KindVideo}}, func(in *Input) { in.Kind = model.KindVideo }, true},
		{"card action kind", Conditions{Kinds: []model.MessageKind{model.KindCardAction}}, func(in *Input) { in.Kind = model.KindCardAction }, true},
		{"card actions only", Conditions{Kinds: []model.MessageKind{model.KindCardAction}}, nil, false},
		{"mention any case", Conditions{Mentions: []string{"u42"}}, nil, true},
		{"no mention", Conditions{Mentions: []string{"@all"}}, nil, false},
		{"regex", Conditions{Regex: []string{`^nothing`, `订单号\s*\d{6}`}}, nil, true},
		{"regex is case-sensitive", Conditions{Regex: []string{`ORDER`}}, nil, false},
		{"regex (?i)", Conditions{Regex: []string{`(?i)\border\b`}}, nil, true},
		{"regex no match", Conditions{Regex: []string{`退款`}}, nil, false},
		{"all kinds together", Conditions{ChannelIDs: []int64{1}, Kinds: []model.MessageKind{"text"},
			Keywords: Keywords{Any: []string{"紧急"}}, Regex: []string{`\d+`}}, nil, true},
		{"one kind fails", Conditions{ChannelIDs: []int64{1}, Kinds: []model.MessageKind{"file"},
			Keywords: Keywords{Any: []string{"紧急"}}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := msg("【紧急】order 订单号 123456 需要审批")
			if tt.edit != nil {
				tt.edit(&in)
			}
			got := len(matchedIDs(t, []Rule{ruleWith(1, tt.c)}, in)) == 1
			if got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeywords(t *testing.T) {
	tests := []struct {
		name string
		kw   Keywords
		text string
		want bool
	}{
		{"any chinese", Keywords{Any: []string{"紧急", "审批"}}, "请尽快审批", true},
		{"any none present", Keywords{Any: []string{"紧急", "审批"}}, "普通通知", false},
		{"any english upper text", Keywords{Any: []string{"urgent"}}, "URGENT: server down", true},
		{"any english upper keyword", Keywords{Any: []string{"ASAP"}}, "reply asap please", true},
		{"english is substring", Keywords{Any: []string{"urgent"}}, "this is non-urgent", true},
		{"all present", Keywords{All: []string{"需跟进", "客户"}}, "客户反馈，需跟进", true},
		{"all one missing", Keywords{All: []string{"需跟进", "客户"}}, "内部讨论，需跟进", false},
		{"all repeated keyword", Keywords{All: []string{"待审批", "待审批", "合同"}}, "合同待审批", true},
		{"all mixed case duplicates", Keywords{All: []string{"Invoice", "INVOICE"}}, "invoice attached", true},
		{"none absent", Keywords{None: []string{"测试"}}, "生产环境故障", true},
		{"none present", Keywords{None: []string{"测试"}}, "测试环境故障", false},
		{"none english case", Keywords{None: []string{"test"}}, "TEST message", false},
		{"any and none", Keywords{Any: []string{"紧急"}, None: []string{"演练"}}, "紧急演练通知", false},
		{"any, all, none", Keywords{Any: []string{"紧急", "urgent"}, All: []string{"审批"}, None: []string{"草稿"}},
			"Urgent 审批 请处理", true},
		{"empty text and any", Keywords{Any: []string{"紧急"}}, "", false},
		{"empty text and none", Keywords{None: []string{"紧急"}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := len(matchedIDs(t, []Rule{ruleWith(1, Conditions{Keywords: tt.kw})}, msg(tt.text))) == 1
			if got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchReportsKeywordsFound(t *testing.T) {
	set, err := Compile([]Rule{ruleWith(1, Conditions{Keywords: Keywords{Any: []string{"紧急", "Urgent", "审批"}}})})
	if err != nil {
		t.Fatal(err)
	}
	ms := set.Evaluate(msg("URGENT 紧急"))
	if len(ms) != 1 || !slices.Equal(ms[0].Keywords, []string{"紧急", "Urgent"}) {
		t.Fatalf("matches %+v, want keywords [紧急 Urgent]", ms)
	}
}

func TestTimeWindow(t *testing.T) {
	workHours := TimeWindow{Weekdays: Weekdays{1, 2, 3, 4, 5}, From: "09:00", To: "18:00"}
	night := TimeWindow{Weekdays: Weekdays{1, 2, 3, 4, 5}, From: "22:00", To: "06:00"}
	tests := []struct {
		name string
		w    TimeWindow
		at   time.Time
		want bool
	}{
		{"monday 10:00", workHours, at(2, 10, 0), true},
		{"from is inclusive", workHours, at(2, 9, 0), true},
		{"to is exclusive", workHours, at(2, 18, 0), false},
		{"last second before to", workHours, at(2, 17, 59).Add(59 * time.Second), true},
		{"monday 08:59", workHours, at(2, 8, 59), false},
		{"saturday 10:00", workHours, at(7, 10, 0), false},
		{"given in UTC, Shanghai 10:00", workHours, time.Date(2025, 6, 2, 2, 0, 0, 0, time.UTC), true},
		{"sunday 23:00 UTC is monday 07:00 Shanghai", workHours, time.Date(2025, 6, 1, 23, 0, 0, 0, time.UTC), false},
		{"sunday 01:30 UTC is sunday 09:30 Shanghai", workHours, time.Date(2025, 6, 1, 1, 30, 0, 0, time.UTC), false},
		{"Berlin window", TimeWindow{From: "09:00", To: "17:00", TZ: "Europe/Berlin"},
			time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC), true}, // 10:30 CEST
		{"Berlin window, Shanghai morning", TimeWindow{From: "09:00", To: "17:00", TZ: "Europe/Berlin"},
			at(2, 10, 0), false}, // 04:00 in Berlin
		{"weekdays only", TimeWindow{Weekdays: Weekdays{time.Saturday, time.Sunday}}, at(8, 3, 0), true},
		{"weekdays only, monday", TimeWindow{Weekdays: Weekdays{time.Saturday, time.Sunday}}, at(2, 3, 0), false},
		{"night, friday 23:00", night, at(6, 23, 0), true},
		{"night, saturday 02:00 belongs to friday", night, at(7, 2, 0), true},
		{"night, monday 02:00 belongs to sunday", night, at(2, 2, 0), false},
		{"night, tuesday 05:59", night, at(3, 5, 59), true},
		{"night, tuesday 06:00", night, at(3, 6, 0), false},
		{"night, noon", night, at(3, 12, 0), false},
		{"until midnight", TimeWindow{From: "18:00", To: "24:00"}, at(3, 23, 59), true},
		{"unknown time never matches", workHours, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := msg("x")
			in.SentAt = tt.at
			got := len(matchedIDs(t, []Rule{ruleWith(1, Conditions{Time: tt.w})}, in)) == 1
			if got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOrderStopAndDisabled(t *testing.T) {
	kw := func(w string) Conditions { return Conditions{Keywords: Keywords{Any: []string{w}}} }
	r1, r2, r3, r4 := ruleWith(1, kw("紧急")), ruleWith(2, Conditions{}), ruleWith(3, kw("审批")), ruleWith(4, kw("紧急"))
	r1.Position, r2.Position, r3.Position, r4.Position = 30, 10, 20, 40
	tests := []struct {
		name  string
		rules func() []Rule
		text  string
		want  []int64
	}{
		{"by position, not list order", func() []Rule { return []Rule{r1, r2, r3, r4} }, "紧急审批", []int64{2, 3, 1, 4}},
		{"only matching rules", func() []Rule { return []Rule{r1, r2, r3, r4} }, "审批", []int64{2, 3}},
		{"stop ends evaluation", func() []Rule {
			s := r3
			s.Stop = true
			return []Rule{r1, r2, s, r4}
		}, "紧急审批", []int64{2, 3}},
		{"stop on a rule that does not match is ignored", func() []Rule {
			s := r3
			s.Stop = true
			return []Rule{r1, r2, s, r4}
		}, "紧急", []int64{2, 1, 4}},
		{"disabled rule skipped", func() []Rule {
			d := r1
			d.Enabled = false
			return []Rule{d, r2, r3, r4}
		}, "紧急审批", []int64{2, 3, 4}},
		{"equal positions keep list order", func() []Rule {
			a, b := r4, r1
			a.Position, b.Position = 5, 5
			return []Rule{a, b}
		}, "紧急", []int64{4, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchedIDs(t, tt.rules(), msg(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func TestManyRulesBeyondOneBitsetWord(t *testing.T) {
	var rules []Rule
	for i := int64(1); i <= 200; i++ {
		rules = append(rules, ruleWith(i, Conditions{Keywords: Keywords{Any: []string{"kw" + string(rune('a'+i%26)) + "x"}}}))
	}
	rules = append(rules, ruleWith(201, Conditions{ChannelIDs: []int64{1}}))
	got := matchedIDs(t, rules, msg("hello KWBX there"))
	var want []int64
	for i := int64(1); i <= 200; i++ {
		if i%26 == 1 {
			want = append(want, i)
		}
	}
	want = append(want, 201)
	if !slices.Equal(got, want) {
		t.Fatalf("matched %v, want %v", got, want)
	}
}

func TestEmptyAndNilSet(t *testing.T) {
	var nilSet *Set
	if got := nilSet.Evaluate(msg("紧急")); got != nil {
		t.Fatalf("nil set matched %v", got)
	}
	set, err := Compile(nil)
	if err != nil || set.Evaluate(msg("紧急")) != nil || set.Len() != 0 {
		t.Fatalf("empty set: err %v", err)
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	set, err := Compile([]Rule{
		ruleWith(1, Conditions{Keywords: Keywords{Any: []string{"紧急"}}}),
		ruleWith(2, Conditions{Keywords: Keywords{All: []string{"审批", "合同"}}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			ok := true
			for i := 0; i < 500; i++ {
				a := set.Evaluate(msg("紧急"))
				b := set.Evaluate(msg("合同待审批"))
				ok = ok && len(a) == 1 && a[0].RuleID == 1 && len(b) == 1 && b[0].RuleID == 2
			}
			done <- ok
		}()
	}
	for g := 0; g < 8; g++ {
		if !<-done {
			t.Fatal("concurrent evaluation gave a wrong result")
		}
	}
}
