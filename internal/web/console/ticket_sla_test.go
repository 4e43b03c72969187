package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
)

func TestSLAClocksInBothLanguages(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name, lang, doc string
		want            []string // Left of each clock
		breached        []bool
	}{
		{"running", LangZH, `{"policy":"标准","first_response_due":"2026-03-02T12:05:00Z","resolution_due":"2026-03-04T13:00:00Z"}`,
			[]string{"还剩 2 小时 5 分", "还剩 2 天 3 小时"}, []bool{false, false}},
		{"overdue", LangEN, `{"first_response_due":"2026-03-02T09:30:00Z","resolution_due":"2026-03-02T11:00:00Z","first_response_breached":true}`,
			[]string{"overdue by 30 min", "1h 0m left"}, []bool{true, false}},
		{"answered and paused", LangZH, `{"first_response_due":"2026-03-02T09:00:00Z","first_response_at":"2026-03-02T08:50:00Z","resolution_due":"2026-03-02T09:00:00Z","paused":true}`,
			[]string{"", "超时 1 小时 0 分"}, []bool{false, false}},
	}
	for _, c := range cases {
		var s slaDoc
		if err := json.Unmarshal([]byte(c.doc), &s); err != nil {
			t.Fatal(err)
		}
		got := s.clocks(&namer{lang: c.lang, now: now})
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d clocks", c.name, len(got))
		}
		for i := range got {
			if got[i].Left != c.want[i] || got[i].Breached != c.breached[i] {
				t.Errorf("%s clock %d: %q breached=%v, want %q breached=%v", c.name, i, got[i].Left, got[i].Breached, c.want[i], c.breached[i])
			}
		}
	}
}

// The detail template shows the SLA block (red when breached, 已暂停 when
// paused) only when the ticket JSON had one, and the optional links.
func TestTicketPageRendersOptionalParts(t *testing.T) {
	c := New(nil)
	render := func(p ticketPage) string {
		r := httptest.NewRequest("GET", "/tickets/1", nil)
		w := httptest.NewRecorder()
		c.render(w, r, http.StatusOK, "ticket", view{Title: "ticket.title", Page: p})
		if w.Code != http.StatusOK {
			t.Fatalf("render: %d %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
	base := ticketPage{T: model.Ticket{ID: 1, Key: "SB-1", Title: "t", Status: model.TicketAccepted}, StatusKey: statusKey(model.TicketAccepted)}
	base.Mentions = parseMentions(json.RawMessage(`{"count":1,"people":[]}`)) // raised once: nothing to say
	if body := render(base); strings.Contains(body, `class="sla"`) || strings.Contains(body, "重复于") || strings.Contains(body, "提及") {
		t.Error("SLA, duplicate or mentions shown without them in the JSON")
	}
	p := base
	p.SLAPaused, p.SLAPolicy = true, "金牌"
	p.SLA = []slaClock{{Label: "sla.resolution", Left: "超时 5 分钟", Breached: true}}
	p.DuplicateOf = parseRefs(json.RawMessage(`{"ticket_id":7,"key":"SB-7","score":0.9}`))
	p.Duplicates = parseRefs(json.RawMessage(`[{"ticket_id":11,"key":"SB-11"}]`))
	p.Mentions = parseMentions(json.RawMessage(`{"count":3,"people":[{"person_id":4,"name":"王<b>","ticket_id":8,"key":"SB-8"}]}`))
	body := render(p)
	for _, want := range []string{`class="sla"`, "金牌", "已暂停", `sla-clock breached`, "已超时 · 超时 5 分钟", `<a href="/tickets/7">SB-7</a>`,
		`<a href="/tickets/11">SB-11</a>`, "共被提出 3 次", `<a href="/people/4">王&lt;b&gt;</a> <a href="/tickets/8">SB-8</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
