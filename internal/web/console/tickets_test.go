package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// desk is a 售后 department with a customer message, an agent who signs in
// to the console, and an admin browser.
type desk struct {
	n       *apptest.Node
	unit    int64
	agentID int64
	agent   *browser
	msg     model.Message
	hook    apptest.Hook // the customers' channel, in unit
}

func newDesk(t *testing.T) desk {
	n := apptest.Start(t)
	d := desk{n: n, unit: n.CreateOrgUnit(1, "售后部")}
	d.agentID, _ = n.CreateUser("li", "agent", d.unit)
	h := n.CreateWebhook("app chat", d.unit, "")
	d.hook = h
	post(t, n, h, webhookMsg("m1", "c1", "客户群", "王小明", "设备连不上网，很紧急"))
	d.msg = stored(t, n, "设备连不上网，很紧急")
	d.agent = newBrowser(t, n)
	d.agent.mustLogin("li", "password-li")
	return d
}

func (d desk) ticket(t *testing.T, body map[string]any) model.Ticket {
	t.Helper()
	var tk model.Ticket
	if st := d.n.Do("POST", "/api/v1/tickets", d.n.Token, body, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket %v: %d", body, st)
	}
	return tk
}

func wantIn(t *testing.T, what, body string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	for _, w := range not {
		if strings.Contains(body, w) {
			t.Errorf("%s shows %q", what, w)
		}
	}
}

func TestTicketListFiltersAndEscapesTitles(t *testing.T) {
	d := newDesk(t)
	inc := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}, "assignee_id": d.agentID,
		"factors": map[string]int{"users_affected": 5, "severity": 5, "business_relevance": 5, "effort": 1, "strategic_fit": 5}})
	task := d.ticket(t, map[string]any{"type": "task", "title": `<script>alert(1)</script> 回访`, "org_unit_id": d.unit})
	cases := []struct {
		name, query string
		want, not   []string
	}{
		{"everything", "", []string{inc.Key, task.Key, "故障", "任务", "已受理", "P1", "王小明", "li", "工单", "&lt;script&gt;"}, []string{"<script>alert"}},
		{"type", "?type=task", []string{task.Key}, []string{inc.Key}},
		{"status several", "?status=accepted&status=in_progress", []string{inc.Key, task.Key, `value="in_progress" checked`}, nil},
		{"status none matching", "?status=resolved", []string{"没有符合条件的工单"}, []string{inc.Key}},
		{"mine", "?assignee=mine", []string{inc.Key}, []string{task.Key}},
		{"unassigned", "?assignee=unassigned", []string{task.Key}, []string{inc.Key}},
		{"priority", "?priority=P1", []string{inc.Key}, []string{task.Key}},
		{"text", "?q=" + url.QueryEscape("回访"), []string{task.Key}, []string{inc.Key}},
	}
	for _, c := range cases {
		st, body := d.agent.get("/tickets" + c.query)
		if st != http.StatusOK {
			t.Fatalf("%s: status %d %.300s", c.name, st, body)
		}
		wantIn(t, c.name, body, c.want, c.not)
	}
	st, body := d.agent.get("/tickets?priority=P9")
	if st != http.StatusBadRequest || !strings.Contains(body, "SB-2004") {
		t.Errorf("bad filter: %d, want 400 with the API's SB-2004 message", st)
	}
	// English labels.
	d.agent.setLang("en")
	_, body = d.agent.get("/tickets")
	wantIn(t, "English list", body, []string{"Incident", "Accepted", "Assignee"}, []string{"已受理"})
}

func TestTicketBoardMovesAndShowsRefusal(t *testing.T) {
	d := newDesk(t)
	tk := d.ticket(t, map[string]any{"type": "incident", "title": "路由器故障", "org_unit_id": d.unit})
	_, body := d.agent.get("/tickets/board")
	wantIn(t, "board", body, []string{"已受理", "已确认", "处理中", "待反馈", "已解决", tk.Key, `value="in_progress"`}, nil)
	csrf := csrfRE.FindStringSubmatch(body)[1]
	form := url.Values{"csrf": {csrf}, "to": {"in_progress"}, "version": {fmt.Sprint(tk.Version)}, "back": {"/tickets/board"}}
	st, body := d.agent.post(fmt.Sprintf("/tickets/%d/transition", tk.ID), form)
	col := regexp.MustCompile(`(?s)data-status="in_progress" aria-label="处理中">.*?</section>`).FindString(body)
	if st != http.StatusOK || !strings.Contains(col, tk.Key) {
		t.Fatalf("after the move the card is not under 处理中: %d", st)
	}
	// The stale version is refused; the board shows the API's message.
	st, body = d.agent.post(fmt.Sprintf("/tickets/%d/transition", tk.ID), form)
	if st != http.StatusConflict || !strings.Contains(body, `role="alert" id="board-error">SB-2102`) {
		t.Errorf("stale move: %d, want 409 with SB-2102 on the board", st)
	}
	form.Set("version", "0")
	form.Set("to", "confirmed") // not in the standard flow
	st, body = d.agent.post(fmt.Sprintf("/tickets/%d/transition", tk.ID), form)
	if st != http.StatusConflict || !strings.Contains(body, "SB-2101") || !strings.Contains(body, "not allowed") {
		t.Errorf("disallowed move: %d, want 409 with SB-2101's message", st)
	}
}

func TestTicketDetailTimelineCommentsAndActions(t *testing.T) {
	d := newDesk(t)
	tk := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID},
		"factors": map[string]int{"users_affected": 4, "severity": 5, "business_relevance": 3, "effort": 2, "strategic_fit": 3}})
	path := fmt.Sprintf("/tickets/%d", tk.ID)
	_, body := d.agent.get(path)
	wantIn(t, "detail", body, []string{tk.Key, "设备连不上网", fmt.Sprintf(`href="/people/%d"`, d.msg.SenderID),
		fmt.Sprintf(`href="/conversations/%d"`, d.msg.ConversationID), "影响人数", "加权平均", "创建工单", `value="in_progress"`,
		`class="sla"`, "SLA · incident-P", "首次响应", "解决时限", "还剩"}, []string{"已超时"})
	csrf := csrfRE.FindStringSubmatch(body)[1]
	post := func(action string, form url.Values) (int, string) {
		form.Set("csrf", csrf)
		return d.agent.post(path+"/"+action, form)
	}
	post("comment", url.Values{"body": {"内部：先查路由 <i>x</i>"}})
	post("comment", url.Values{"body": {"已为您重置"}, "public": {"1"}})
	if st, body := post("transition", url.Values{"to": {"in_progress"}, "version": {fmt.Sprint(tk.Version)}}); st != http.StatusOK || !strings.Contains(body, `data-status="in_progress">处理中`) {
		t.Fatalf("move to 处理中: %d", st)
	}
	st, body := post("transition", url.Values{"to": {"cancelled"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "SB-2104") {
		t.Errorf("cancel without a reason: %d, want 422 SB-2104 shown", st)
	}
	// Assigning at the version first read: someone changed it since.
	st, body = post("assign", url.Values{"assignee_id": {fmt.Sprint(d.agentID)}, "version": {fmt.Sprint(tk.Version)}})
	if st != http.StatusConflict || !strings.Contains(body, "SB-2102") || !strings.Contains(body, "已为您重新加载") {
		t.Errorf("stale assign: %d, want 409 SB-2102 and the reload note", st)
	}
	v := regexp.MustCompile(`id="assign-form">\s*<input type="hidden" name="csrf" value="[0-9a-f]+"><input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(body)
	if v == nil {
		t.Fatal("assign form has no version")
	}
	if st, _ := post("assign", url.Values{"assignee_id": {fmt.Sprint(d.agentID)}, "version": {v[1]}}); st != http.StatusOK {
		t.Errorf("assign at the fresh version: %d", st)
	}
	_, body = d.agent.get(path)
	tl := regexp.MustCompile(`(?s)<ol class="list" id="timeline">.*?</ol>`).FindString(body)
	order := []string{"创建工单", "内部备注", "&lt;i&gt;x&lt;/i&gt;", "公开回复", "已为您重置", "<s>已受理</s> → <b>处理中</b>", "处理人"}
	last := -1
	for _, w := range order {
		i := strings.Index(tl, w)
		if i < 0 || i < last {
			t.Errorf("timeline lacks %q in order (at %d after %d)", w, i, last)
		}
		last = max(last, i)
	}
	wantIn(t, "timeline", tl, []string{`class="badge internal">内部`, `class="badge public">公开`}, []string{"<i>x</i>"})
	// Merging into itself is refused with the API's message; merging a
	// repeat into it links both pages.
	st, body = post("merge", url.Values{"into": {tk.Key}})
	if st < 400 || !strings.Contains(body, `id="ticket-error">SB-`) {
		t.Errorf("merge into itself: %d, want the API's error on the page", st)
	}
	again := d.ticket(t, map[string]any{"type": "incident", "title": "又断网了", "org_unit_id": d.unit})
	form := url.Values{"csrf": {csrf}, "into": {tk.Key}}
	st, body = d.agent.post(fmt.Sprintf("/tickets/%d/merge", again.ID), form)
	if st != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`重复于</dt><dd class="duplicate-of"><a href="/tickets/%d">%s</a>`, tk.ID, tk.Key)) {
		t.Errorf("after merging %s: %d, its page does not link %s", again.Key, st, tk.Key)
	}
	_, body = d.agent.get(path)
	wantIn(t, "survivor", body, []string{"已合并的重复工单", again.Key, "共被提出 2 次"}, nil)
}

func TestTicketPagesFollowTheAPIsPermissions(t *testing.T) {
	d := newDesk(t)
	other := d.n.CreateOrgUnit(1, "财务部")
	theirs := d.ticket(t, map[string]any{"type": "incident", "title": "发票系统故障", "org_unit_id": other})
	mine := d.ticket(t, map[string]any{"type": "incident", "title": "路由器", "org_unit_id": d.unit})
	if st, body := d.agent.get(fmt.Sprintf("/tickets/%d", theirs.ID)); st != http.StatusForbidden || strings.Contains(body, "发票系统故障") {
		t.Errorf("another department's ticket: %d, want 403 without its title", st)
	}
	if st, _ := d.agent.get("/tickets/99999"); st != http.StatusNotFound {
		t.Errorf("missing ticket: %d, want 404", st)
	}
	_, body := d.agent.get("/tickets")
	wantIn(t, "list", body, []string{mine.Key}, []string{theirs.Key})
	var audit struct {
		Items []struct{ Action, Resource string }
	}
	d.n.Do("GET", "/api/v1/audit", d.n.Token, nil, &audit)
	denied := false
	for _, a := range audit.Items {
		denied = denied || (a.Action == "ticket.read" && a.Resource == fmt.Sprintf("ticket:%d", theirs.ID))
	}
	if !denied {
		t.Error("the refused read is not in the audit trail")
	}
}

func TestSavedViewsInTheConsole(t *testing.T) {
	d := newDesk(t)
	_, body := d.agent.get("/tickets?status=accepted&assignee=mine")
	csrf := csrfRE.FindStringSubmatch(body)[1]
	st, body := d.agent.post("/tickets/views", url.Values{"csrf": {csrf}, "name": {"我的 <待办>"}, "query": {"assignee=mine&status=accepted"},
		"org_unit_id": {fmt.Sprint(d.unit)}})
	if st != http.StatusOK || !strings.Contains(body, `<a href="/tickets?assignee=mine&amp;status=accepted">我的 &lt;待办&gt;</a>`) {
		t.Fatalf("saved view not in the sidebar: %d", st)
	}
	wantIn(t, "sidebar", body, []string{"共享给 售后部"}, nil)
	st, body = d.agent.post("/tickets/views", url.Values{"csrf": {csrf}, "name": {"我的 <待办>"}, "query": {"x=1"}})
	if st != http.StatusConflict || !strings.Contains(body, "SB-2151") {
		t.Errorf("duplicate name: %d, want 409 SB-2151 shown", st)
	}
	id := regexp.MustCompile(`action="/tickets/views/(\d+)/delete"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatal("no delete button")
	}
	_, body = d.agent.post("/tickets/views/"+id[1]+"/delete", url.Values{"csrf": {csrf}, "back": {"/tickets"}})
	wantIn(t, "after delete", body, []string{"还没有保存的视图"}, []string{"我的 &lt;待办&gt;"})
}
