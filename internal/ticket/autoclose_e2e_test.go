package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// history reads a ticket's changes through the API.
func (d *desk) history(t *testing.T, id int64) (model.Ticket, []model.TicketChange) {
	t.Helper()
	var detail struct {
		model.Ticket
		History []model.TicketChange `json:"history"`
	}
	d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), d.token, nil, &detail)
	return detail.Ticket, detail.History
}

// A resolved ticket nobody answers is closed by the node after
// --ticket-auto-close, by no one, and the customer is told.
func TestResolvedTicketClosesAfterTheWait(t *testing.T) {
	d := newDesk(t, func(c *config.Config) { c.TicketAutoClose = 2 * time.Second })
	tk := d.open(t, "incident", "m1", "打印机卡纸")
	d.told(t, 1, "已受理")
	d.move(t, tk, "resolved", "")
	d.told(t, 2, "已解决")

	apptest.WaitFor(t, 10*time.Second, tk.Key+" closed", func() bool {
		got, _ := d.history(t, tk.ID)
		return got.Status == model.TicketClosed
	})
	got, hist := d.history(t, tk.ID)
	last := hist[len(hist)-1]
	if last.ActorID != 0 || last.From != "resolved" || last.To != "closed" || !strings.Contains(last.Note, "自动关闭") || !strings.Contains(last.Note, "2s") {
		t.Errorf("last change %+v, want resolved → closed by nobody, noted 自动关闭 after 2s", last)
	}
	if got.ClosedAt.Before(got.ResolvedAt.Add(2 * time.Second)) {
		t.Errorf("closed at %v, resolved at %v: closed before the wait", got.ClosedAt, got.ResolvedAt)
	}
	d.told(t, 3, tk.Key, "已关闭")

	// The rating asked at resolution still counts once the ticket is closed.
	d.say(t, "m2", "4")
	d.told(t, 4, "4/5")
	if got, _ := d.history(t, tk.ID); got.CSAT != 4 || got.Status != model.TicketClosed {
		t.Errorf("after a late rating: CSAT %d, status %s; want 4, still closed", got.CSAT, got.Status)
	}
	d.say(t, "m3", "1") // the ticket has its rating: a second digit is an ordinary message
	time.Sleep(300 * time.Millisecond)
	if got, _ := d.history(t, tk.ID); got.CSAT != 4 || len(d.chat.in(d.conv)) != 4 {
		t.Errorf("a second digit: CSAT %d, %d messages to the customer; want 4 and no answer", got.CSAT, len(d.chat.in(d.conv)))
	}
}

// The pass closes only what stayed resolved past the wait: a reopened or
// recent ticket stays as it is, a second pass closes nothing, and nodes
// passing at once close a ticket once.
func TestAutoCloseOnlyWhatWaited(t *testing.T) {
	d := newDesk(t) // the default 72h: the node's own pass closes nothing here
	reopened := d.open(t, "incident", "m1", "网络断了")
	d.told(t, 1, "已受理")
	d.move(t, reopened, "resolved", "")
	d.told(t, 2, "已解决")
	d.say(t, "m2", "没解决")
	d.told(t, 3, "处理中")

	d.conv = "conv-cust-2" // another customer: a message in the first conversation joins its open ticket
	waited := d.open(t, "incident", "m3", "显示器不亮")
	d.move(t, waited, "resolved", "")
	d.conv = "conv-cust-3"
	open := d.open(t, "task", "m4", "换个鼠标")

	svc := &ticket.Service{Store: d.n.App.Store, Bus: d.n.App.Bus}
	ctx := context.Background()
	if n, err := svc.AutoClose(ctx, 72*time.Hour, time.Now()); err != nil || n != 0 {
		t.Fatalf("pass now: closed %d, %v; want none resolved 72h ago", n, err)
	}
	later := time.Now().Add(73 * time.Hour)
	var closed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			n, err := svc.AutoClose(ctx, 72*time.Hour, later)
			if err != nil {
				t.Errorf("pass: %v", err)
			}
			closed.Add(int64(n))
		})
	}
	wg.Wait()
	if closed.Load() != 1 {
		t.Errorf("4 passes at once closed %d tickets, want 1", closed.Load())
	}
	for _, c := range []struct {
		tk   model.Ticket
		want model.TicketStatus
	}{{reopened, model.TicketInProgress}, {waited, model.TicketClosed}, {open, model.TicketAccepted}} {
		if got, _ := d.history(t, c.tk.ID); got.Status != c.want {
			t.Errorf("%s is %s, want %s", c.tk.Key, got.Status, c.want)
		}
	}
	_, hist := d.history(t, waited.ID)
	autos := 0
	for _, h := range hist {
		if h.To == "closed" {
			autos++
		}
	}
	if autos != 1 {
		t.Errorf("%s history has %d closes, want 1: %+v", waited.Key, autos, hist)
	}
	if n, _ := svc.AutoClose(ctx, 72*time.Hour, later); n != 0 {
		t.Errorf("a second pass closed %d", n)
	}
}
