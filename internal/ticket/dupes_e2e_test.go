package ticket_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// raise posts a message from a customer in their own conversation and
// makes a ticket of it through the API, as an agent does.
func (d *desk) raise(t *testing.T, cust, id, text string) model.Ticket {
	t.Helper()
	if st, body := d.n.Post(d.hook, apptest.NewMessage(id, "conv-"+cust, cust, text)); st != http.StatusOK {
		t.Fatalf("post %s: %d %s", id, st, body)
	}
	var m model.Message
	apptest.WaitFor(t, 5*time.Second, "message "+id, func() bool {
		var p struct {
			Items []model.Message `json:"items"`
		}
		d.n.Do("GET", "/api/v1/messages?limit=500", d.n.Token, nil, &p)
		for _, x := range p.Items {
			if x.ExternalID == id {
				m = x
				return true
			}
		}
		return false
	})
	var tk model.Ticket
	body := map[string]any{"type": "incident", "source_message_ids": []int64{m.ID}, "assignee_id": d.agent}
	if st := d.n.Do("POST", "/api/v1/tickets", d.token, body, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket from %s: %d", id, st)
	}
	return tk
}

func (d *desk) detail(t *testing.T, id int64) ticket.Detail {
	t.Helper()
	var dt ticket.Detail
	if st := d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), d.token, nil, &dt); st != http.StatusOK {
		t.Fatalf("get ticket %d: %d", id, st)
	}
	return dt
}

// waitSaid waits until some message to conv says all of want.
func (d *desk) waitSaid(t *testing.T, conv string, want ...string) {
	t.Helper()
	apptest.WaitFor(t, 5*time.Second, fmt.Sprintf("a message to %s saying %v", conv, want), func() bool {
		for _, msg := range d.chat.in(conv) {
			if containsAll(msg, want) {
				return true
			}
		}
		return false
	})
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Two customers report the same outage in their own words: the second
// ticket joins the first, its customer is told where it went and hears of
// the first one's progress, and the first counts two mentions by two
// people, at the top of the most-mentioned list.
func TestSecondReportOfAnOutageJoinsTheFirst(t *testing.T) {
	d := newDesk(t)
	a := d.raise(t, "cust-1", "m1", "设备连不上网，很紧急")
	b := d.raise(t, "cust-2", "m2", "我的设备也连不上网，急")
	c := d.raise(t, "cust-3", "m3", "发票什么时候开")
	if b.Status != model.TicketClosed || c.Status != model.TicketAccepted {
		t.Fatalf("after creation: duplicate %s is %s (want closed), unrelated %s is %s", b.Key, b.Status, c.Key, c.Status)
	}
	d.waitSaid(t, "conv-cust-2", b.Key, "已合并到 "+a.Key)

	da := d.detail(t, a.ID)
	if da.Mentions.Count != 2 || len(da.Mentions.People) != 2 || da.Mentions.People[1].Name != "cust-2" ||
		len(da.Merged) != 1 || da.Merged[0].Key != b.Key {
		t.Fatalf("%s mentions = %+v, duplicates %+v; want 2 by cust-1 and cust-2, %s merged", a.Key, da.Mentions, da.Merged, b.Key)
	}
	if db := d.detail(t, b.ID); db.DuplicateOf == nil || db.DuplicateOf.Key != a.Key || db.Mentions.Count != 2 {
		t.Fatalf("%s duplicate_of = %+v, mentions %+v", b.Key, db.DuplicateOf, db.Mentions)
	}
	var list struct {
		Items []struct {
			model.Ticket
			MentionCount int            `json:"mention_count"`
			Mentions     model.Mentions `json:"mentions"`
		} `json:"items"`
	}
	if st := d.n.Do("GET", "/api/v1/tickets/most-mentioned?type=incident", d.token, nil, &list); st != http.StatusOK {
		t.Fatalf("most mentioned: %d", st)
	}
	if len(list.Items) != 2 || list.Items[0].ID != a.ID || list.Items[0].MentionCount != 2 || list.Items[1].ID != c.ID {
		t.Fatalf("most mentioned = %+v, want %s (2) then %s; the duplicate not listed", list.Items, a.Key, c.Key)
	}

	d.move(t, a, "in_progress", "")
	d.waitSaid(t, "conv-cust-2", "已合并到 "+a.Key, "处理中") // the duplicate's customer hears of the survivor
	d.waitSaid(t, "conv-cust-1", a.Key, "处理中")
}

// When the first report is resolved, the customer whose report joined it
// is told without being asked for a rating (that is the first customer's),
// and their "没解决" reopens the ticket that is worked for both.
func TestMergedReportersCustomerCanSayNotSolved(t *testing.T) {
	d := newDesk(t)
	a := d.raise(t, "cust-1", "m1", "设备连不上网，很紧急")
	b := d.raise(t, "cust-2", "m2", "我的设备也连不上网，急")
	d.waitSaid(t, "conv-cust-2", b.Key, "已合并到 "+a.Key)
	d.move(t, a, "resolved", "")
	d.waitSaid(t, "conv-cust-1", a.Key, "1–5")
	d.waitSaid(t, "conv-cust-2", a.Key, "已解决", "没解决")
	for _, msg := range d.chat.in("conv-cust-2") {
		if strings.Contains(msg, "1–5") {
			t.Fatalf("the duplicate's customer was asked to rate: %q", msg)
		}
	}
	if st, body := d.n.Post(d.hook, apptest.NewMessage("m3", "conv-cust-2", "cust-2", "没解决")); st != http.StatusOK {
		t.Fatalf("post: %d %s", st, body)
	}
	apptest.WaitFor(t, 5*time.Second, a.Key+" reopened by the second customer", func() bool {
		return d.detail(t, a.ID).Status == model.TicketInProgress
	})
	d.waitSaid(t, "conv-cust-1", a.Key, "处理中")
}
