package ticket_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

func (d *desk) tickets(t *testing.T) []model.Ticket {
	t.Helper()
	var p struct {
		Items []model.Ticket `json:"items"`
	}
	if st := d.n.Do("GET", "/api/v1/tickets", d.n.Token, nil, &p); st != http.StatusOK {
		t.Fatalf("list tickets: %d", st)
	}
	return p.Items
}

// ticketRule saves a rule that makes a P1 incident of messages saying 连不上网.
func (d *desk) ticketRule(t *testing.T) {
	t.Helper()
	rule := map[string]any{"name": "断网报障", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"连不上网"}}},
		"actions": map[string]any{"ticket": map[string]any{"type": "incident", "category": "网络",
			"factors": map[string]int{"users_affected": 5, "severity": 5, "business_relevance": 5, "effort": 1, "strategic_fit": 5}}}}
	if st := d.n.Do("POST", "/api/v1/rules", d.n.Token, rule, nil); st != http.StatusCreated {
		t.Fatalf("create rule: %d", st)
	}
}

// A rule makes the customer's message a P1 incident with the order number
// pulled out; they are told 已受理; their follow-up joins the same ticket;
// a re-delivered message makes nothing new.
func TestRuleMakesTicketAndFollowUpJoinsIt(t *testing.T) {
	d := newDesk(t)
	d.ticketRule(t)
	d.say(t, "m1", "设备连不上网，很紧急，订单号 SB20261202")
	var tk model.Ticket
	apptest.WaitFor(t, 5*time.Second, "the rule's ticket", func() bool {
		ts := d.tickets(t)
		if len(ts) == 1 {
			tk = ts[0]
		}
		return len(ts) == 1
	})
	if tk.Type != "incident" || tk.Priority != "P1" || tk.Category != "网络" || tk.Fields["order_no"] != "SB20261202" {
		t.Fatalf("ticket = type %s priority %s category %q fields %v; want a P1 网络 incident with order_no SB20261202",
			tk.Type, tk.Priority, tk.Category, tk.Fields)
	}
	if tk.Requester.PersonID == 0 || tk.Requester.Name != "cust-1" {
		t.Fatalf("requester = %+v, want the sender", tk.Requester)
	}
	d.told(t, 1, tk.Key, "已受理")

	d.say(t, "m2", "还是不行")
	apptest.WaitFor(t, 5*time.Second, "the follow-up as a second source", func() bool { return len(d.detail(t, tk.ID).Sources) == 2 })

	d.say(t, "m1", "设备连不上网，很紧急，订单号 SB20261202") // re-delivered
	d.say(t, "m3", "进度")                        // answered, not appended
	d.told(t, 2, tk.Key)
	time.Sleep(500 * time.Millisecond)
	if ts := d.tickets(t); len(ts) != 1 {
		t.Fatalf("%d tickets, want the one", len(ts))
	}
	got := d.detail(t, tk.ID)
	if len(got.Sources) != 2 {
		t.Fatalf("%d sources, want 2 (the message and its follow-up)", len(got.Sources))
	}
	if n := len(d.chat.in(d.conv)); n != 2 {
		t.Fatalf("customer got %d messages, want 2 (已受理, the progress answer): %q", n, d.chat.in(d.conv))
	}
}

// A reply from the requester to a ticket waiting for them moves it back to
// 处理中, and they are told.
func TestRequesterReplyResumesWaitingTicket(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "打印机卡纸")
	d.told(t, 1, "已受理")
	d.move(t, tk, "waiting", "")
	d.told(t, 2, "待反馈")

	d.say(t, "m2", "我换了纸，型号：HP LaserJet 1020，还是卡")
	d.told(t, 3, tk.Key, "处理中")
	got := d.detail(t, tk.ID)
	last := got.History[len(got.History)-1]
	if got.Status != model.TicketInProgress || last.Field != "status" || !strings.Contains(last.Note, "requester replied") {
		t.Fatalf("status %s, last change %+v; want in_progress noted as the requester's reply", got.Status, last)
	}
	if len(got.Sources) != 2 || got.Fields["device_model"] != "HP LaserJet 1020" {
		t.Fatalf("sources %d, fields %v; want the reply joined with the device model extracted", len(got.Sources), got.Fields)
	}
}

// The chat pass works from the stored messages, not from memory: a
// message committed without the pass being told (a crash right after the
// intake commit) is still answered, once, by this node or a fresh one.
func TestChatPassAnswersMessagesItWasNeverToldOf(t *testing.T) {
	d := newDesk(t)
	tk := d.open(t, "incident", "m1", "网络断了")
	d.told(t, 1, "已受理")
	ctx := context.Background()
	env := model.Envelope{ChannelID: d.hook.ID, ExternalID: "m2", ConvID: d.conv, SenderID: "cust-1", SenderName: "cust-1",
		Kind: model.KindText, Text: "进度", SentAt: time.Now().UTC(), ReceivedAt: time.Now().UTC()}
	_, msgs, err := d.n.App.Store.AcceptInbox(ctx, []store.InboxEntry{{Envelope: env, Target: &store.Target{OrgUnitID: tk.OrgUnitID, Kind: "webhook"}}})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("store message: %v (%d)", err, len(msgs))
	}
	d.told(t, 2, tk.Key, "网络断了")

	// A node that starts afresh (nothing in memory) passes over the same
	// messages: the cursor or the answer's key stops a second answer.
	fresh := ticket.NewLoop(&ticket.Service{Store: d.n.App.Store}, d.n.App.Store, nil, slog.Default())
	for range 3 {
		if _, err := fresh.Converse(ctx); err != nil {
			t.Fatal(err)
		}
	}
	apptest.WaitFor(t, 5*time.Second, "the cursor past the message", func() bool {
		c, err := d.n.App.Store.TicketChatCursor(ctx)
		return err == nil && c >= msgs[0].ID
	})
	time.Sleep(300 * time.Millisecond)
	if got := d.chat.in(d.conv); len(got) != 2 {
		t.Fatalf("customer got %d messages, want 2 (已受理, one progress answer): %q", len(got), got)
	}
}

// A crash right after the intake commit: the message is stored but no
// node handled it. The node that starts next answers it from the cursor,
// and answers nothing it had answered before the crash.
func TestChatPassResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	onDir := func(c *config.Config) { c.DataDir = dir }
	n := apptest.Start(t, onDir)
	unit := n.CreateOrgUnit(1, "客服部")
	d := &desk{n: n, chat: newChat(t), conv: "conv-cust-1"}
	d.hook = n.CreateWebhook("客户群", unit, d.chat.srv.URL)
	d.agent, d.token = n.CreateUser("li", "agent", unit)
	tk := d.open(t, "incident", "m1", "网络断了")
	d.told(t, 1, "已受理")
	m2 := d.say(t, "m2", "进度")
	d.told(t, 2, tk.Key)
	ctx := context.Background()
	apptest.WaitFor(t, 5*time.Second, "the cursor past 进度", func() bool {
		c, err := n.App.Store.TicketChatCursor(ctx)
		return err == nil && c >= m2.ID
	})
	n.Stop()

	// Committed, then the node died before anything handled it.
	st, _, err := app.OpenStore(ctx, n.App.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	env := model.Envelope{ChannelID: d.hook.ID, ExternalID: "m3", ConvID: d.conv, SenderID: "cust-1", SenderName: "cust-1",
		Kind: model.KindText, Text: "进度", SentAt: now, ReceivedAt: now}
	if _, _, err := st.AcceptInbox(ctx, []store.InboxEntry{{Envelope: env, Target: &store.Target{OrgUnitID: unit, Kind: "webhook"}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	d.n = apptest.Start(t, onDir)
	d.n.Token, _, err = auth.CreateToken(ctx, d.n.App.Store, 1, "after restart", 0)
	if err != nil {
		t.Fatal(err)
	}
	d.told(t, 3, tk.Key, "网络断了")
	time.Sleep(500 * time.Millisecond)
	if got := d.chat.in(d.conv); len(got) != 3 {
		t.Fatalf("customer got %d messages, want 3 (已受理 and one answer to each 进度): %q", len(got), got)
	}
}
