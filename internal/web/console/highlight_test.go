package console

import (
	"bytes"
	"html/template"
	"reflect"
	"testing"
)

func TestHighlightMarksKeywordsIgnoringCase(t *testing.T) {
	for _, tc := range []struct {
		name     string
		keywords []string
		text     string
		want     []part
	}{
		{"chinese", []string{"停机"}, "二号线停机了，停机原因待查",
			[]part{{"二号线", false}, {"停机", true}, {"了，", false}, {"停机", true}, {"原因待查", false}}},
		{"case", []string{"urgent"}, "URGENT: Urgent fix", []part{{"URGENT", true}, {": ", false}, {"Urgent", true}, {" fix", false}}},
		{"longest wins", []string{"停机", "二号线停机"}, "二号线停机", []part{{"二号线停机", true}}},
		{"neighbours join", []string{"紧急", "停机"}, "紧急停机!", []part{{"紧急停机", true}, {"!", false}}},
		{"no keywords", nil, "a <b>", []part{{"a <b>", false}}},
		{"no match", []string{"停机"}, "周报", []part{{"周报", false}}},
		// Lowering "İ" changes its byte length; offsets after it must not drift.
		{"length-changing letter", []string{"ok"}, "İ OK", []part{{"İ ", false}, {"OK", true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newMatcher(tc.keywords).parts(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parts(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestHighlightedTextIsEscaped(t *testing.T) {
	tpl := template.Must(template.New("x").Parse(`{{range .}}{{if .Mark}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}{{end}}`))
	var b bytes.Buffer
	if err := tpl.Execute(&b, newMatcher([]string{"<b>"}).parts(`x<script>alert(1)</script><b>`)); err != nil {
		t.Fatal(err)
	}
	if want := `x&lt;script&gt;alert(1)&lt;/script&gt;<mark>&lt;b&gt;</mark>`; b.String() != want {
		t.Errorf("rendered %s, want %s", b.String(), want)
	}
}

func TestSplitKeywords(t *testing.T) {
	got := splitKeywords(" 紧急，停机、Outage\n outage ; 张经理,,\r\n")
	if want := []string{"紧急", "停机", "Outage", "张经理"}; !reflect.DeepEqual(got, want) {
		t.Errorf("splitKeywords = %q, want %q", got, want)
	}
}

func TestReasonsReadInTheReadersLanguage(t *testing.T) {
	for _, tc := range []struct{ reason, zh, en string }{
		{"urgent", "紧急消息，立即发送", "Urgent: sent at once"},
		{"urgent: breaks through quiet hours", "紧急消息，不受免打扰时段限制", "Urgent: breaks through quiet hours"},
		{"quiet hours: held until 07:30", "免打扰时段，暂缓至 07:30", "Quiet hours: held until 07:30"},
		{"digest every 2h0m0s", "等待摘要，间隔 2h", "Waiting for the digest, every 2h"},
		{"do not disturb: in the next digest", "勿扰模式：并入下一次摘要", "Do not disturb: in the next digest"},
		{"no notification channel set", "未设置通知渠道", "No notification channel set"},
		{"something new", "something new", "something new"},
	} {
		if got := reasonText(tc.reason, LangZH); got != tc.zh {
			t.Errorf("zh %q = %q, want %q", tc.reason, got, tc.zh)
		}
		if got := reasonText(tc.reason, LangEN); got != tc.en {
			t.Errorf("en %q = %q, want %q", tc.reason, got, tc.en)
		}
	}
}
