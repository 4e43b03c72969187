package ticket_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// heard posts a customer message and waits until it is stored.
func (d *desk) heard(t *testing.T, cust, id, text string) model.Message {
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
	return m
}

// crashed stores a ticket of m as a request that stopped right after the
// commit would have left it: no duplicate check.
func (d *desk) crashed(t *testing.T, m model.Message) model.Ticket {
	t.Helper()
	in := model.Ticket{Type: model.TypeIncident, Title: m.Text, Description: m.Text, Status: model.TicketAccepted, Priority: "P3",
		OrgUnitID: m.OrgUnitID, Requester: model.Requester{PersonID: m.SenderID, Name: m.SenderName, ChannelID: m.ChannelID, ConversationID: m.ConversationID}}
	tk, _, err := d.n.App.Store.CreateTicket(context.Background(), store.NewTicket{Ticket: in,
		Sources: []model.TicketSource{{MessageID: m.ID, ChannelID: m.ChannelID, ConversationID: m.ConversationID}}})
	must(t, err)
	return tk
}

// A ticket whose creating request stopped before its duplicate check is
// linked by the sweep, once, though two nodes sweep at the same moment;
// its customer is told where it went.
func TestSweepLinksATicketWhoseCheckWasLost(t *testing.T) {
	d := newDesk(t)
	a := d.raise(t, "cust-1", "m1", "设备连不上网，很紧急")
	b := d.crashed(t, d.heard(t, "cust-2", "m2", "我的设备也连不上网，急"))
	if db := d.detail(t, b.ID); db.DuplicateOf != nil || db.Status != model.TicketAccepted {
		t.Fatalf("before the sweep %s is %s, duplicate of %+v; want open and unlinked", b.Key, db.Status, db.DuplicateOf)
	}
	var wg sync.WaitGroup
	sweeps := make([]*ticket.DupeSweep, 2) // two nodes
	for i := range sweeps {
		sweeps[i] = ticket.NewDupeSweep(&ticket.Service{Store: d.n.App.Store, Bus: d.n.App.Bus})
		sweeps[i].Grace = 0
		wg.Add(1)
		go func() { defer wg.Done(); must(t, sweeps[i].Pass(context.Background())) }()
	}
	wg.Wait()
	db := d.detail(t, b.ID)
	if db.DuplicateOf == nil || db.DuplicateOf.Key != a.Key || db.Status != model.TicketClosed {
		t.Fatalf("after the sweep %s is %s, duplicate of %+v; want closed into %s", b.Key, db.Status, db.DuplicateOf, a.Key)
	}
	time.Sleep(3500 * time.Millisecond) // the node's own sweep passes too
	links := 0
	for _, h := range d.detail(t, a.ID).History {
		if h.Field == "duplicate" {
			links++
		}
	}
	if links != 1 || d.detail(t, a.ID).Mentions.Count != 2 {
		t.Fatalf("%s has %d duplicate entries, %d mentions; want the link made once (1, 2)", a.Key, links, d.detail(t, a.ID).Mentions.Count)
	}
	d.waitSaid(t, "conv-cust-2", b.Key, "已合并到 "+a.Key)
	// A later pass of the same sweep, which looks back only to where it
	// ended, still finds a ticket lost after it.
	c := d.crashed(t, d.heard(t, "cust-3", "m3", "设备连不上网了，急"))
	must(t, sweeps[0].Pass(context.Background()))
	if dc := d.detail(t, c.ID); dc.DuplicateOf == nil || dc.DuplicateOf.Key != a.Key {
		t.Fatalf("%s after a later pass: duplicate of %+v, want %s", c.Key, dc.DuplicateOf, a.Key)
	}
}

// Tickets made while detection is off are recorded skipped: turning it on
// later merges none of them.
func TestTicketsMadeWhileDetectionIsOffStayApart(t *testing.T) {
	d := newDesk(t)
	a := d.raise(t, "cust-1", "m1", "设备连不上网，很紧急")
	set := func(on bool) {
		body := map[string]any{"enabled": on, "suggest": 0.4, "link": 0.65, "window_days": 30, "candidates": 500, "types": []string{"incident"}}
		if st := d.n.Do("PUT", "/api/v1/ticket-duplicates", d.n.Token, body, nil); st != http.StatusOK {
			t.Fatalf("set detection %v: %d", on, st)
		}
	}
	set(false)
	b := d.raise(t, "cust-2", "m2", "我的设备也连不上网，急")
	set(true)
	sw := ticket.NewDupeSweep(&ticket.Service{Store: d.n.App.Store, Bus: d.n.App.Bus})
	sw.Grace = 0
	must(t, sw.Pass(context.Background()))
	if db := d.detail(t, b.ID); db.DuplicateOf != nil || db.Status == model.TicketClosed {
		t.Fatalf("%s was merged into %+v after detection came on; want it left apart from %s", b.Key, db.DuplicateOf, a.Key)
	}
}

// A customer whose ticket was merged asks "进度": they hear the status of
// the ticket it was merged into, under their own number.
func TestProgressOfAMergedTicketIsTheSurvivors(t *testing.T) {
	d := newDesk(t)
	a := d.raise(t, "cust-1", "m1", "设备连不上网，很紧急")
	b := d.raise(t, "cust-2", "m2", "我的设备也连不上网，急")
	if b.Status != model.TicketClosed {
		t.Fatalf("%s is %s, want merged (closed)", b.Key, b.Status)
	}
	d.move(t, a, "in_progress", "")
	d.waitSaid(t, "conv-cust-2", "已合并到 "+a.Key, "in_progress")
	time.Sleep(300 * time.Millisecond) // every notice is out
	n := len(d.chat.in("conv-cust-2"))
	d.heard(t, "cust-2", "m3", "进度")
	apptest.WaitFor(t, 5*time.Second, "an answer to 进度", func() bool { return len(d.chat.in("conv-cust-2")) > n })
	got := d.chat.in("conv-cust-2")[n]
	for _, want := range []string{"[" + b.Key + "]", "状态 Status: 已合并到 " + a.Key, "in_progress (处理中)", "处理人 Assignee: li", "下一步 Next:"} {
		if !strings.Contains(got, want) {
			t.Fatalf("answer to 进度 = %q, want it to say %q", got, want)
		}
	}
}
