package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/model"
)

// suggested waits for nothing: detection runs in the creating request, so
// the ticket's detail has its suggestions when the create answers.
func suggestedOn(t *testing.T, d desk, id int64) []model.DuplicateSuggestion {
	t.Helper()
	var dt struct {
		Suggestions []model.DuplicateSuggestion `json:"duplicate_suggestions"`
	}
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), d.n.Token, nil, &dt)
	return dt.Suggestions
}

// An agent sees the tickets a new one may repeat on its page, merges it
// into one (合并) or dismisses one (忽略); a stale decision shows the API's
// refusal, and a form without the CSRF token is refused.
func TestDuplicateSuggestionsMergeAndDismissInTheConsole(t *testing.T) {
	d := newDesk(t)
	mk := func(title string) model.Ticket {
		return d.ticket(t, map[string]any{"type": "incident", "title": title, "org_unit_id": d.unit})
	}
	a, b := mk("设备连不上网，很紧急"), mk("设备连不上网")
	if s := suggestedOn(t, d, b.ID); len(s) != 1 || s[0].CandidateID != a.ID {
		t.Fatalf("suggestions of %s = %+v, want %s (typed without a requester: suggested, not merged)", b.Key, s, a.Key)
	}
	path := fmt.Sprintf("/tickets/%d", b.ID)
	_, body := d.agent.get(path)
	wantIn(t, "detail", body, []string{"可能重复", `class="suggestion" data-candidate="` + fmt.Sprint(a.ID), a.Key, "设备连不上网，很紧急",
		"相似度", `value="accept">合并</button>`, `value="dismiss">忽略</button>`}, nil)
	csrf := csrfRE.FindStringSubmatch(body)[1]
	decide := func(id, cand int64, decision string) (int, string) {
		return d.agent.post(fmt.Sprintf("/tickets/%d/suggestion", id), url.Values{"csrf": {csrf}, "candidate_id": {fmt.Sprint(cand)}, "decision": {decision}})
	}
	if st, _ := d.agent.post(path+"/suggestion", url.Values{"candidate_id": {fmt.Sprint(a.ID)}, "decision": {"dismiss"}}); st != http.StatusForbidden {
		t.Errorf("decision without the CSRF token: %d, want 403", st)
	}
	st, body := decide(b.ID, a.ID, "dismiss")
	if st != http.StatusOK || strings.Contains(body, `class="suggestion"`) {
		t.Fatalf("after dismissing: %d, the suggestion is still shown", st)
	}
	st, body = decide(b.ID, a.ID, "dismiss") // a second tab's stale form
	if st != http.StatusNotFound || !strings.Contains(body, `id="ticket-error">SB-2136`) {
		t.Errorf("dismissing again: %d, want 404 with the API's SB-2136 on the page", st)
	}

	c := mk("设备连不上网了，很急")
	if s := suggestedOn(t, d, c.ID); len(s) == 0 {
		t.Fatalf("%s has no suggestions", c.Key)
	}
	st, body = decide(c.ID, a.ID, "accept")
	if st != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`<dd class="duplicate-of"><a href="/tickets/%d">%s</a>`, a.ID, a.Key)) ||
		strings.Contains(body, `class="suggestion"`) {
		t.Fatalf("after merging %s into %s: %d, its page does not say 重复于 %s (or still suggests)", c.Key, a.Key, st, a.Key)
	}
	_, body = d.agent.get(fmt.Sprintf("/tickets/%d", a.ID))
	wantIn(t, "survivor", body, []string{"已合并的重复工单", c.Key, "共被提出 2 次"}, nil)
}

// The most-mentioned page ranks open tickets by how often they were
// raised, with who raised them, filters by type, and is linked from the list.
func TestMostMentionedPage(t *testing.T) {
	d := newDesk(t)
	first := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}})
	h := d.n.CreateWebhook("app chat 2", d.unit, "")
	post(t, d.n, h, webhookMsg("m2", "c2", "客户群2", "李雷", "我的设备也连不上网，急"))
	again := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{stored(t, d.n, "我的设备也连不上网，急").ID}})
	if again.Status != model.TicketClosed {
		t.Fatalf("%s is %s, want merged into %s", again.Key, again.Status, first.Key)
	}
	wish := d.ticket(t, map[string]any{"type": "requirement", "title": "希望支持导出 Excel", "org_unit_id": d.unit})

	_, list := d.agent.get("/tickets")
	wantIn(t, "list", list, []string{`href="/tickets/most-mentioned"`, "最常提及"}, nil)
	st, body := d.agent.get("/tickets/most-mentioned")
	if st != http.StatusOK {
		t.Fatalf("most mentioned: %d", st)
	}
	rows := body[strings.Index(body, `id="mentioned-rows"`):]
	i, j := strings.Index(rows, first.Key), strings.Index(rows, wish.Key)
	if i < 0 || j < 0 || i > j {
		t.Fatalf("rows do not list %s before %s: %.2000s", first.Key, wish.Key, rows)
	}
	wantIn(t, "most mentioned", body, []string{"提出次数", "提出人", `<td class="count"><strong>2</strong>`,
		fmt.Sprintf(`href="/people/%d">王小明</a>`, d.msg.SenderID), ">李雷</a>", fmt.Sprintf(`href="/tickets/%d"`, first.ID)},
		[]string{`data-id="` + fmt.Sprint(again.ID) + `"`}) // the duplicate is counted, not listed
	_, body = d.agent.get("/tickets/most-mentioned?type=requirement")
	wantIn(t, "requirements", body, []string{wish.Key, "希望支持导出 Excel", `<option value="requirement" selected>`}, []string{first.Key})

	d.agent.setLang("en")
	_, body = d.agent.get("/tickets/most-mentioned")
	wantIn(t, "english", body, []string{"Most mentioned", "Times raised", "Raised by"}, []string{"提出次数"})
}

// An agent switches between taking tickets and paused in the ticket pages'
// header and sees their open tickets against capacity; becoming available
// hands them the team's waiting ticket. A member sees no switch and is
// refused with the API's message.
func TestAgentAvailabilityToggle(t *testing.T) {
	d := newDesk(t)
	waiting := d.ticket(t, map[string]any{"type": "incident", "title": "打印机坏了", "org_unit_id": d.unit, "team_id": d.unit})
	if waiting.AssigneeID != 0 {
		t.Fatalf("%s was assigned to %d while nobody is available", waiting.Key, waiting.AssigneeID)
	}
	_, body := d.agent.get("/tickets")
	wantIn(t, "list", body, []string{`id="agent-availability"`, `data-available="false">暂停接单`, `id="agent-load" title="进行中的工单 / 容量">0/5`,
		`name="available" value="1" class="primary">开始接单`}, nil)
	csrf := csrfRE.FindStringSubmatch(body)[1]
	st, body := d.agent.post("/tickets/availability", url.Values{"csrf": {csrf}, "available": {"1"}, "back": {"/tickets"}})
	if st != http.StatusOK || !strings.Contains(body, `data-available="true">接单中`) || !strings.Contains(body, ">1/5<") {
		t.Fatalf("after taking tickets: %d, want 接单中 and 1/5 (the waiting ticket is theirs)", st)
	}
	var tk model.Ticket
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", waiting.ID), d.n.Token, nil, &tk)
	if tk.AssigneeID != d.agentID {
		t.Errorf("%s assignee = %d, want the agent who became available (%d)", tk.Key, tk.AssigneeID, d.agentID)
	}
	_, body = d.agent.get(fmt.Sprintf("/tickets/%d", waiting.ID))
	wantIn(t, "detail header", body, []string{`data-available="true">接单中`, `value="0">暂停接单</button>`}, nil)
	d.agent.post("/tickets/availability", url.Values{"csrf": {csrf}, "available": {"0"}, "back": {"/tickets/board"}})
	_, body = d.agent.get("/tickets/board")
	wantIn(t, "board", body, []string{`data-available="false">暂停接单`}, nil)

	d.n.CreateUser("wang", "member", d.unit)
	m := newBrowser(t, d.n)
	m.mustLogin("wang", "password-wang")
	_, body = m.get("/tickets")
	wantIn(t, "member's list", body, nil, []string{`id="agent-availability"`, "开始接单"})
	csrf = csrfRE.FindStringSubmatch(body)[1]
	if st, body := m.post("/tickets/availability", url.Values{"csrf": {csrf}, "available": {"1"}}); st != http.StatusForbidden || !strings.Contains(body, "SB-") {
		t.Errorf("member taking tickets: %d, want 403 with the API's message", st)
	}
}
