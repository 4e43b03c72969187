package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// An agent ticks two messages of a conversation, picks a type and creates
// the ticket; the page shows its number. Ticking the same messages again
// shows the same ticket, not a second one; ticking none says so.
func TestConversationCreatesTicketFromPickedMessages(t *testing.T) {
	n := apptest.Start(t)
	unit := n.CreateOrgUnit(1, "售后部")
	hook := n.CreateWebhook("客户群", unit, "")
	post(t, n, hook, webhookMsg("c-1", "cv", "王先生", "王先生", "路由器连不上网，订单号 SB20261202"))
	post(t, n, hook, webhookMsg("c-2", "cv", "王先生", "王先生", "手机 13812345678"))
	first, second := stored(t, n, "路由器连不上网，订单号 SB20261202"), stored(t, n, "手机 13812345678")
	n.CreateUser("li", "agent", unit)

	b := newBrowser(t, n)
	b.mustLogin("li", "password-li")
	conv := fmt.Sprintf("/conversations/%d", first.ConversationID)
	st, body := b.get(conv)
	if st != http.StatusOK || !strings.Contains(body, `name="msg" value="`+strconv.FormatInt(first.ID, 10)+`"`) || !strings.Contains(body, "创建工单") {
		t.Fatalf("conversation page: %d, no message checkboxes or create form: %.500s", st, body)
	}
	csrf, _ := formTokens(t, body)
	form := url.Values{"csrf": {csrf}, "type": {"incident"}, "title": {"王先生断网"},
		"msg": {strconv.FormatInt(first.ID, 10), strconv.FormatInt(second.ID, 10)}}
	st, body = b.post(conv+"/ticket", form)
	key := regexp.MustCompile(`class="ticket-key" href="/tickets/(\d+)">(SB-\d+)<`).FindStringSubmatch(body)
	if st != http.StatusOK || key == nil || !strings.Contains(body, "已创建工单") {
		t.Fatalf("after create: %d, no ticket number shown: %.800s", st, body)
	}
	var tk struct {
		model.Ticket
		Sources []model.TicketSource `json:"sources"`
	}
	n.Do("GET", "/api/v1/tickets/"+key[1], n.Token, nil, &tk)
	if tk.Key != key[2] || tk.Title != "王先生断网" || len(tk.Sources) != 2 || tk.Fields["order_no"] != "SB20261202" || tk.Fields["phone"] != "13812345678" {
		t.Fatalf("ticket %+v; want 王先生断网 from both messages with order_no and phone", tk)
	}

	st, body = b.post(conv+"/ticket", form) // the same messages again
	if st != http.StatusOK || !strings.Contains(body, "这些消息已属于工单") || !strings.Contains(body, key[2]) {
		t.Errorf("again: %d, want the existing ticket %s shown: %.500s", st, key[2], body)
	}
	var list struct{ Items []model.Ticket }
	if n.Do("GET", "/api/v1/tickets", n.Token, nil, &list); len(list.Items) != 1 {
		t.Errorf("%d tickets, want 1", len(list.Items))
	}
	delete(form, "msg")
	if st, body := b.post(conv+"/ticket", form); st != http.StatusBadRequest || !strings.Contains(body, "请先勾选至少一条消息") {
		t.Errorf("nothing ticked: %d %.300s", st, body)
	}
	form.Set("msg", strconv.FormatInt(first.ID, 10))
	form.Set("csrf", "forged")
	if st, _ := b.post(conv+"/ticket", form); st != http.StatusForbidden {
		t.Errorf("forged form: %d, want 403", st)
	}
}
