package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// notifyFixture is an org with a head of department A, an agent of team
// A1 and a head of department B, and a webhook channel owned by A.
type notifyFixture struct {
	org
	ch                    model.Channel
	headA, agentA1, headB int64
}

func newNotifyFixture(t *testing.T, s store.Store) notifyFixture {
	t.Helper()
	ctx := context.Background()
	f := notifyFixture{org: newOrg(t, s)}
	f.ch = mustChannel(t, s, model.Channel{Kind: "webhook", Name: "erp", OrgUnitID: f.deptA, Config: []byte(`{}`), Enabled: true})
	user := func(login string, role model.Role, unit int64) int64 {
		u, err := s.CreateUser(ctx, model.User{Login: login, Name: login, Roles: []model.RoleGrant{{Role: role, OrgUnitID: unit}}})
		must(t, err)
		return u.ID
	}
	f.headA = user("head-a", model.RoleDeptHead, f.deptA)
	f.agentA1 = user("agent-a1", model.RoleAgent, f.teamA1)
	f.headB = user("head-b", model.RoleDeptHead, f.deptB)
	return f
}

// testNotifySettings: a user without settings gets empty ones; settings
// are stored whole and read back equal.
func testNotifySettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	got, err := s.NotifySettings(ctx, f.headA)
	must(t, err)
	if got.UserID != f.headA || len(got.Chain) != 0 || got.DND {
		t.Fatalf("default settings = %+v", got)
	}
	want := model.NotifySettings{UserID: f.headA, Chain: []model.NotifyHop{{ChannelID: f.ch.ID, Destination: "zhang"}, {ChannelID: f.ch.ID, Destination: "zhang@acme.cn"}},
		QuietFrom: "22:00", QuietTo: "08:00", TZ: "Asia/Shanghai", DND: true, DigestEvery: time.Hour, Highlights: []string{"停机", "outage"}}
	must(t, s.SetNotifySettings(ctx, want))
	want.DND = false
	must(t, s.SetNotifySettings(ctx, want)) // a second write replaces the first
	got, err = s.NotifySettings(ctx, f.headA)
	must(t, err)
	if !slices.Equal(got.Chain, want.Chain) || got.QuietFrom != "22:00" || got.DND || got.DigestEvery != time.Hour || !slices.Equal(got.Highlights, want.Highlights) {
		t.Errorf("settings = %+v, want %+v", got, want)
	}
}

// testUsersWithRole: a grant covers its unit's subtree; other departments
// and disabled users are not included.
func testUsersWithRole(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	for _, tc := range []struct {
		unit int64
		role model.Role
		want []int64
	}{
		{f.teamA1, model.RoleDeptHead, []int64{f.headA}},
		{f.deptA, model.RoleDeptHead, []int64{f.headA}},
		{f.deptA, model.RoleAgent, nil}, // the agent's grant is on the team below
		{f.teamA1, model.RoleAgent, []int64{f.agentA1}},
		{f.deptB, model.RoleDeptHead, []int64{f.headB}},
		{f.root, model.RoleDeptHead, nil},
	} {
		got, err := s.UsersWithRole(ctx, tc.unit, tc.role)
		must(t, err)
		if !slices.Equal(got, tc.want) {
			t.Errorf("UsersWithRole(%d, %s) = %v, want %v", tc.unit, tc.role, got, tc.want)
		}
	}
}

// testNotifyIntents: a message the annotator asks to announce gets an
// intent in the same commit; resolving it stores one notification per
// user with its delivery, and resolving again (a retry after a crash)
// adds nothing.
func testNotifyIntents(t *testing.T, s store.Store) {
	ctx := context.Background()
	s.(store.Annotating).SetAnnotator(func(m *model.Message) {
		if strings.Contains(m.Text, "紧急") {
			m.Notify = &model.NotifyRequest{Mode: model.NotifyNow, Urgent: true, RuleIDs: []int64{7}}
		}
	})
	f := newNotifyFixture(t, s)
	target := &store.Target{OrgUnitID: f.deptA, Kind: "webhook"}
	_, msgs, err := s.AcceptInbox(ctx, []store.InboxEntry{
		{Envelope: envelope(f.ch.ID, "a", "c1", "u1", "紧急：生产线停机", base), Target: target},
		{Envelope: envelope(f.ch.ID, "b", "c1", "u1", "谢谢", base), Target: target},
	})
	must(t, err)
	now := time.Now()
	claimed, err := s.ClaimIntents(ctx, "n1", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(claimed) != 1 || claimed[0].MessageID != msgs[0].ID || !claimed[0].Request.Urgent || !slices.Equal(claimed[0].Request.RuleIDs, []int64{7}) {
		t.Fatalf("claimed intents %+v, want the one of message %d", claimed, msgs[0].ID)
	}
	if again, _ := s.ClaimIntents(ctx, "n2", now, now.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("leased intent claimed twice: %+v", again)
	}
	ns := []store.NewNotification{
		{Notification: model.Notification{UserID: f.headA, MessageID: msgs[0].ID, Mode: "now", State: model.NotificationQueued, DueAt: now},
			Delivery: &model.Delivery{ChannelID: f.ch.ID, Destination: "zhang", IdemKey: "notify:a:head", Payload: []byte(`{"text":"紧急"}`)}},
		{Notification: model.Notification{UserID: f.agentA1, MessageID: msgs[0].ID, Mode: "digest", State: model.NotificationHeld,
			Reason: "quiet hours", DueAt: now.Add(time.Hour)}},
	}
	must(t, s.ResolveIntent(ctx, claimed[0].ID, ns))
	must(t, s.ResolveIntent(ctx, claimed[0].ID, ns)) // a second resolution must not double anything
	if later, _ := s.ClaimIntents(ctx, "n2", now.Add(2*time.Minute), now.Add(3*time.Minute), 10); len(later) != 0 {
		t.Errorf("a resolved intent was claimed again: %+v", later)
	}
	got, err := s.ListNotifications(ctx, f.headA, 10)
	must(t, err)
	if len(got) != 1 || got[0].State != model.NotificationQueued || got[0].DeliveryID == 0 {
		t.Fatalf("head's notifications = %+v", got)
	}
	path, err := s.NotificationDeliveries(ctx, got[0].ID)
	must(t, err)
	if len(path) != 1 || path[0].Destination != "zhang" || path[0].NotificationID != got[0].ID || string(path[0].Payload) != `{"text":"紧急"}` {
		t.Errorf("deliveries of the head's notification = %+v", path)
	}
	if n, _ := s.OutboxDepth(ctx); n != 1 {
		t.Errorf("outbox depth %d, want 1 delivery", n)
	}
	agent, _ := s.ListNotifications(ctx, f.agentA1, 10)
	if len(agent) != 1 || agent[0].State != model.NotificationHeld || agent[0].Reason != "quiet hours" {
		t.Errorf("agent's notifications = %+v", agent)
	}
}

// testDigestFlush: held notifications are claimed once they are due,
// flushed into one delivery, and not claimed again.
func testDigestFlush(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	msgs := commit(t, s, f.ch, envelope(f.ch.ID, "a", "c1", "u1", "one", base), envelope(f.ch.ID, "b", "c2", "u1", "two", base))
	due := time.Now().Add(time.Minute)
	var ns []store.NewNotification
	for _, m := range msgs {
		ns = append(ns, store.NewNotification{Notification: model.Notification{UserID: f.headA, MessageID: m.ID, Mode: "digest",
			State: model.NotificationHeld, DueAt: due}})
	}
	must(t, s.ResolveIntent(ctx, 0, ns))
	early, err := s.ClaimHeld(ctx, "n1", due.Add(-time.Second), due.Add(time.Minute), 10)
	must(t, err)
	if len(early) != 0 {
		t.Fatalf("claimed %d notifications before they were due", len(early))
	}
	held, err := s.ClaimHeld(ctx, "n1", due, due.Add(time.Minute), 10)
	must(t, err)
	if len(held) != 2 {
		t.Fatalf("claimed %d due notifications, want 2", len(held))
	}
	if again, _ := s.ClaimHeld(ctx, "n2", due, due.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("leased notifications claimed twice")
	}
	d, err := s.FlushDigest(ctx, []int64{held[0].ID, held[1].ID}, model.Delivery{ChannelID: f.ch.ID, Destination: "zhang",
		IdemKey: "digest:1", Payload: []byte(`{"text":"2 messages"}`)})
	must(t, err)
	got, _ := s.ListNotifications(ctx, f.headA, 10)
	for _, n := range got {
		if n.State != model.NotificationDigested || n.DeliveryID != d.ID {
			t.Errorf("notification %d after flush: %+v", n.ID, n)
		}
	}
	path, _ := s.NotificationDeliveries(ctx, got[0].ID)
	if len(path) != 1 || path[0].ID != d.ID {
		t.Errorf("a digested notification's path = %+v, want the digest delivery", path)
	}
	if later, _ := s.ClaimHeld(ctx, "n2", due.Add(time.Hour), due.Add(2*time.Hour), 10); len(later) != 0 {
		t.Errorf("flushed notifications claimed again: %+v", later)
	}
}

// testDeliveryFallback: a dead delivery with a fallback chain enqueues the
// next hop in the same step, and the notification's path lists both.
func testDeliveryFallback(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	mail := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "mail", OrgUnitID: f.deptA, Config: []byte(`{}`), Enabled: true})
	msgs := commit(t, s, f.ch, envelope(f.ch.ID, "a", "c1", "u1", "紧急", base))
	must(t, s.ResolveIntent(ctx, 0, []store.NewNotification{{
		Notification: model.Notification{UserID: f.headA, MessageID: msgs[0].ID, Mode: "now", State: model.NotificationQueued, DueAt: base},
		Delivery: &model.Delivery{ChannelID: f.ch.ID, Destination: "zhang", IdemKey: "notify:1:1", Payload: []byte(`{"text":"x"}`),
			Fallback: []model.NotifyHop{{ChannelID: mail.ID, Destination: "zhang@acme.cn"}}}}}))
	ns, _ := s.ListNotifications(ctx, f.headA, 1)
	first := ns[0].DeliveryID
	must(t, s.MarkDead(ctx, first, "503 from platform"))
	path, err := s.NotificationDeliveries(ctx, ns[0].ID)
	must(t, err)
	if len(path) != 2 || path[0].State != model.DeliveryDead || path[1].ChannelID != mail.ID || path[1].Destination != "zhang@acme.cn" ||
		path[1].PrevID != first || path[1].State != model.DeliveryQueued || len(path[1].Fallback) != 0 || string(path[1].Payload) != `{"text":"x"}` {
		t.Fatalf("path after the first hop died = %+v", path)
	}
	must(t, s.MarkDead(ctx, path[1].ID, "mail server down"))
	if path, _ = s.NotificationDeliveries(ctx, ns[0].ID); len(path) != 2 {
		t.Errorf("the last hop's death added deliveries: %+v", path)
	}
}

// testOutboxPostpone: a postponed delivery keeps its attempt count and is
// not due until the new time.
func testOutboxPostpone(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	d, err := s.Enqueue(ctx, nil, model.Delivery{ChannelID: f.ch.ID, Destination: "c1", IdemKey: "p1", Payload: []byte(`{}`)})
	must(t, err)
	later := time.Now().Add(time.Hour)
	must(t, s.Postpone(ctx, d.ID, later, "circuit open"))
	if due, _ := s.ClaimDeliveries(ctx, "n", time.Now(), time.Now().Add(time.Minute), 10); len(due) != 0 {
		t.Fatalf("postponed delivery claimed early: %+v", due)
	}
	due, err := s.ClaimDeliveries(ctx, "n", later, later.Add(time.Minute), 10)
	must(t, err)
	if len(due) != 1 || due[0].Attempts != 0 || due[0].LastError != "circuit open" {
		t.Fatalf("after the new time: %+v", due)
	}
}

// testDeadLetterAlert: a delivery that dies with no fallback left raises
// one alert in the same step; sending the alert marks it; an alert's own
// delivery dying raises none, and neither does a death with a fallback.
func testDeadLetterAlert(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newNotifyFixture(t, s)
	enqueue := func(key string, fb []model.NotifyHop) model.Delivery {
		d, err := s.Enqueue(ctx, nil, model.Delivery{ChannelID: f.ch.ID, Destination: "zhang", IdemKey: key, Payload: []byte(`{}`), Fallback: fb})
		must(t, err)
		return d
	}
	withFallback := enqueue("k-fb", []model.NotifyHop{{ChannelID: f.ch.ID, Destination: "zhang@acme.cn"}})
	must(t, s.MarkDead(ctx, withFallback.ID, "503"))
	if as, _ := s.ListAlerts(ctx, 10); len(as) != 0 {
		t.Fatalf("a death with a fallback raised alerts: %+v", as)
	}
	last := enqueue("k-last", nil)
	must(t, s.MarkDead(ctx, last.ID, "400 chat not found"))
	as, err := s.ListAlerts(ctx, 10)
	must(t, err)
	if len(as) != 1 || as[0].Kind != model.AlertDeliveryDead || as[0].Subject != fmt.Sprintf("delivery:%d", last.ID) ||
		!strings.Contains(as[0].Detail, "400 chat not found") || as[0].Done {
		t.Fatalf("alerts = %+v", as)
	}
	now := time.Now()
	claimed, err := s.ClaimAlerts(ctx, "n1", now, now.Add(time.Minute), 10)
	must(t, err)
	if again, _ := s.ClaimAlerts(ctx, "n2", now, now.Add(time.Minute), 10); len(claimed) != 1 || len(again) != 0 {
		t.Fatalf("claims: %d then %d", len(claimed), len(again))
	}
	alertDelivery := model.Delivery{ChannelID: f.ch.ID, Destination: "admin", IdemKey: fmt.Sprintf("alert:%d:1", claimed[0].ID), Payload: []byte(`{}`)}
	must(t, s.ResolveAlert(ctx, claimed[0].ID, []model.Delivery{alertDelivery}))
	must(t, s.ResolveAlert(ctx, claimed[0].ID, []model.Delivery{alertDelivery})) // a retry adds nothing
	if n, _ := s.OutboxDepth(ctx); n != 2 {                                      // the fallback hop and the alert
		t.Errorf("outbox depth %d, want 2", n)
	}
	if as, _ = s.ListAlerts(ctx, 10); !as[0].Done {
		t.Errorf("alert not marked sent: %+v", as[0])
	}
	due, err := s.ClaimDeliveries(ctx, "n1", time.Now(), time.Now().Add(time.Minute), 10)
	must(t, err)
	for _, d := range due {
		must(t, s.MarkDead(ctx, d.ID, "admin channel down too"))
	}
	if as, _ = s.ListAlerts(ctx, 10); len(as) != 2 { // the fallback hop's death; the alert's raises none
		t.Errorf("after the alert delivery died: %d alerts, want 2: %+v", len(as), as)
	}
}
