package ticket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// chat is the customer's side of a webhook channel: what Switchboard
// sends to each conversation, in order.
type chat struct {
	mu  sync.Mutex
	got map[string][]string
	srv *httptest.Server
}

func newChat(t *testing.T) *chat {
	c := &chat{got: map[string][]string{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var s struct {
			Conversation struct {
				ID string `json:"id"`
			} `json:"conversation"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Errorf("platform got %q: %v", raw, err)
		}
		c.mu.Lock()
		c.got[s.Conversation.ID] = append(c.got[s.Conversation.ID], s.Text)
		n := len(c.got[s.Conversation.ID])
		c.mu.Unlock()
		fmt.Fprintf(w, `{"id":"pm-%s-%d"}`, s.Conversation.ID, n)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *chat) in(conv string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got[conv]...)
}

// desk is a service desk: a customer chat channel, an agent, and the
// customer's conversation.
type desk struct {
	n     *apptest.Node
	chat  *chat
	hook  apptest.Hook
	token string
	agent int64
	conv  string
}

func newDesk(t *testing.T, opts ...apptest.Options) *desk {
	n := apptest.Start(t, opts...)
	unit := n.CreateOrgUnit(1, "客服部")
	d := &desk{n: n, chat: newChat(t), conv: "conv-cust-1"}
	d.hook = n.CreateWebhook("客户群", unit, d.chat.srv.URL)
	d.agent, d.token = n.CreateUser("li", "agent", unit)
	return d
}

// say posts a customer message (id is the platform's, so posting it again
// is a re-delivery) and waits until it is stored.
func (d *desk) say(t *testing.T, id, text string) model.Message {
	t.Helper()
	m := apptest.NewMessage(id, d.conv, "cust-1", text)
	if st, body := d.n.Post(d.hook, m); st != http.StatusOK {
		t.Fatalf("post %s: %d %s", id, st, body)
	}
	var got model.Message
	apptest.WaitFor(t, 5*time.Second, "message "+id, func() bool {
		var p struct {
			Items []model.Message `json:"items"`
		}
		d.n.Do("GET", "/api/v1/messages?limit=500", d.n.Token, nil, &p)
		for _, m := range p.Items {
			if m.ExternalID == id {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// told waits for the customer's n-th message and checks it says all of want.
func (d *desk) told(t *testing.T, n int, want ...string) string {
	t.Helper()
	apptest.WaitFor(t, 5*time.Second, fmt.Sprintf("message %d to the customer (%v)", n, want), func() bool {
		return len(d.chat.in(d.conv)) >= n
	})
	msg := d.chat.in(d.conv)[n-1]
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Fatalf("customer message %d = %q, want it to say %q", n, msg, w)
		}
	}
	return msg
}

func (d *desk) move(t *testing.T, tk model.Ticket, to, reason string) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID)
	if st := d.n.Do("POST", path, d.token, map[string]any{"to": to, "reason": reason}, nil); st != http.StatusOK {
		t.Fatalf("move %s to %s: %d", tk.Key, to, st)
	}
}

func (d *desk) ticket(t *testing.T, id int64) model.Ticket {
	t.Helper()
	var tk model.Ticket
	if st := d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), d.token, nil, &tk); st != http.StatusOK {
		t.Fatalf("get ticket %d: %d", id, st)
	}
	return tk
}

// open makes a ticket of typ from a customer message, assigned to the agent.
func (d *desk) open(t *testing.T, typ, id, text string) model.Ticket {
	t.Helper()
	m := d.say(t, id, text)
	var tk model.Ticket
	body := map[string]any{"type": typ, "source_message_ids": []int64{m.ID}, "assignee_id": d.agent}
	if st := d.n.Do("POST", "/api/v1/tickets", d.token, body, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket: %d", st)
	}
	return tk
}

// The whole loop from the customer's side: each status reaches them in
// their conversation, once, and their rating lands on the ticket.
func TestCustomerIsToldEachStatusAndRatesTheResolution(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "打印机坏了，无法打印")
	d.told(t, 1, tk.Key, "打印机坏了", "已受理", "处理人 Assignee: li", "下一步 Next:")

	d.move(t, tk, "in_progress", "")
	d.told(t, 2, tk.Key, "处理中", "in_progress", "li")

	d.say(t, "m2", "进度")
	d.told(t, 3, tk.Key, "处理中", "处理人 Assignee: li", "下一步 Next:")
	d.say(t, "m2", "进度") // the platform re-delivers the same message
	d.move(t, tk, "resolved", "")
	d.told(t, 4, tk.Key, "已解决", "1–5")

	d.say(t, "m3", "5")
	d.told(t, 5, "5/5")
	apptest.WaitFor(t, 5*time.Second, "CSAT recorded", func() bool { return d.ticket(t, tk.ID).CSAT == 5 })
	time.Sleep(300 * time.Millisecond) // anything duplicated would have arrived by now
	if got := d.chat.in(d.conv); len(got) != 5 {
		t.Fatalf("customer got %d messages, want 5 (one per status, one answer to 进度, one thanks): %q", len(got), got)
	}
}

// "没解决" after resolution reopens the ticket with the customer's words as
// the reason, and they are told it is being worked on again.
func TestNotSolvedReopensTheTicket(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "网络断了")
	d.told(t, 1, "已受理")
	d.move(t, tk, "resolved", "")
	d.told(t, 2, "已解决")

	d.say(t, "m2", "没解决")
	d.told(t, 3, tk.Key, "处理中", "没解决")
	var detail struct {
		model.Ticket
		History []model.TicketChange `json:"history"`
	}
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.token, nil, &detail)
	last := detail.History[len(detail.History)-1]
	if detail.Status != model.TicketInProgress || last.From != "resolved" || !strings.Contains(last.Note, "没解决") {
		t.Fatalf("after 没解决: status %s, last change %+v", detail.Status, last)
	}
	if detail.CSAT != 0 {
		t.Fatalf("reopened ticket has CSAT %d", detail.CSAT)
	}
}

// A declined requirement still answers whoever raised it, with the reason.
func TestDeclinedRequirementTellsTheReason(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "requirement", "m1", "希望支持导出 Excel")
	d.told(t, 1, "已受理")
	d.move(t, tk, "cancelled", "与产品路线不符")
	d.told(t, 2, tk.Key, "已取消", "原因 Reason: 与产品路线不符")
}

// The ticket row is the intent, not the event: a status change no event
// announced (another node's, or one lost in a crash) still reaches the
// customer, once, however many passes race for it.
func TestChangeWithoutEventIsToldOnce(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "屏幕闪烁")
	d.told(t, 1, "已受理")
	tk = d.ticket(t, tk.ID)
	tk.Status = model.TicketInProgress
	change := model.TicketChange{Field: "status", From: "accepted", To: "in_progress"}
	if _, err := d.n.App.Store.UpdateTicket(context.Background(), tk, []model.TicketChange{change}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := d.n.App.TicketLoop.Tell(context.Background()); err != nil {
				t.Errorf("tell: %v", err)
			}
		})
	}
	wg.Wait()
	d.told(t, 2, tk.Key, "处理中")
	time.Sleep(300 * time.Millisecond)
	if got := d.chat.in(d.conv); len(got) != 2 {
		t.Fatalf("customer got %d messages, want 2: %q", len(got), got)
	}
}
