package ticket_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
)

// "没解决" about a ticket already closed (rated or not) cannot reopen it: the customer's
// message opens a follow-up ticket that names the closed one, the closed
// one's history links to it, and its 已受理 notice answers them — once,
// however often the pass reads the message.
func TestNotSolvedAfterCloseOpensAFollowUp(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "打印机卡纸")
	d.told(t, 1, "已受理")
	d.move(t, tk, "resolved", "")
	d.told(t, 2, "已解决")
	d.say(t, "m1b", "2") // a poor rating, and then the closing: "没解决" is still heard
	d.told(t, 3, "2/5")
	d.move(t, tk, "closed", "")
	d.told(t, 4, "已关闭")

	m := d.say(t, "m2", "没解决！")
	notice := d.told(t, 5, "跟进 "+tk.Key, "打印机卡纸", "已受理")
	closed, hist := d.history(t, tk.ID)
	last := hist[len(hist)-1]
	if closed.Status != model.TicketClosed || last.Field != "follow_up" || !strings.Contains(notice, last.To) {
		t.Fatalf("closed ticket: status %s, last change %+v; want still closed, linked to the ticket in %q", closed.Status, last, notice)
	}
	var list struct {
		Items []model.Ticket `json:"items"`
	}
	if st := d.n.Do("GET", fmt.Sprintf("/api/v1/tickets?requester_id=%d", closed.Requester.PersonID), d.token, nil, &list); st != http.StatusOK {
		t.Fatalf("list the customer's tickets: %d", st)
	}
	if len(list.Items) != 2 {
		t.Fatalf("customer has %d tickets, want the closed one and one follow-up: %+v", len(list.Items), list.Items)
	}
	var next struct {
		model.Ticket
		Sources []model.TicketSource `json:"sources"`
	}
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", list.Items[0].ID), d.token, nil, &next)
	if next.Key != last.To || next.Type != "incident" || next.Status != model.TicketAccepted ||
		next.Requester.PersonID != closed.Requester.PersonID || !slices.Contains(next.Watchers, d.agent) ||
		len(next.Sources) != 1 || next.Sources[0].MessageID != m.ID || !strings.Contains(next.Description, tk.Key) {
		t.Fatalf("follow-up %+v: want an accepted incident of the same requester, from %d, naming %s, watched by the agent", next, m.ID, tk.Key)
	}

	// The follow-up is worked on now: a second "没解决" opens nothing more.
	d.say(t, "m3", "没解决")
	time.Sleep(2500 * time.Millisecond) // past the pass's 2 s look-back, which re-reads m2 and m3
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets?requester_id=%d", closed.Requester.PersonID), d.token, nil, &list)
	if got := d.chat.in(d.conv); len(list.Items) != 2 || len(got) != 5 {
		t.Fatalf("after a second 没解决: %d tickets, %d messages to the customer; want 2 and 5: %q", len(list.Items), len(got), got)
	}
}
