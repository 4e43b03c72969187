package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	"switchboard/internal/model"
	"switchboard/internal/testsvc"
	"switchboard/internal/ticket"
)

// slaDesk is a support team with a lead and an agent, each reached on a
// webhook channel ("lead-dm", "agent-dm") whose messages the chat records.
type slaDesk struct {
	n           *apptest.Node
	chat        *chat
	unit        int64
	lead, agent int64
	agentToken  string
}

func newSLADesk(t *testing.T, n *apptest.Node) *slaDesk {
	d := &slaDesk{n: n, chat: newChat(t)}
	d.unit = n.CreateOrgUnit(1, "运维组")
	hook := n.CreateWebhook("值班通知", d.unit, d.chat.srv.URL)
	d.lead, _ = n.CreateUser("zhang-lead", string(model.RoleDeptHead), d.unit)
	d.agent, d.agentToken = n.CreateUser("wang-agent", string(model.RoleAgent), d.unit)
	for uid, dest := range map[int64]string{d.lead: "lead-dm", d.agent: "agent-dm"} {
		s := map[string]any{"chain": []map[string]any{{"channel_id": hook.ID, "destination": dest}}}
		if st := n.Do("PUT", fmt.Sprintf("/api/v1/users/%d/notify-settings", uid), n.Token, s, nil); st != http.StatusOK {
			t.Fatalf("notify settings of user %d: %d", uid, st)
		}
	}
	return d
}

func (d *slaDesk) policy(t *testing.T, p map[string]any) {
	t.Helper()
	if st := d.n.Do("PUT", "/api/v1/sla-policies", d.n.Token, map[string]any{"policies": []any{p}}, nil); st != http.StatusOK {
		t.Fatalf("put sla policy: %d", st)
	}
}

func (d *slaDesk) create(t *testing.T, title string) model.Ticket {
	t.Helper()
	var tk model.Ticket
	in := map[string]any{"type": "incident", "title": title, "org_unit_id": d.unit, "team_id": d.unit, "assignee_id": d.agent}
	if st := d.n.Do("POST", "/api/v1/tickets", d.n.Token, in, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket: %d", st)
	}
	return tk
}

func (d *slaDesk) detail(t *testing.T, id int64) ticket.Detail {
	t.Helper()
	var det ticket.Detail
	if st := d.n.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), d.n.Token, nil, &det); st != http.StatusOK {
		t.Fatalf("get ticket %d: %d", id, st)
	}
	return det
}

// count is how many messages to dest mention all of want.
func (d *slaDesk) count(dest string, want ...string) int {
	n := 0
	for _, m := range d.chat.in(dest) {
		if containsAll(m, want) {
			n++
		}
	}
	return n
}

func historyOf(det ticket.Detail, field, to string) []model.TicketChange {
	var out []model.TicketChange
	for _, h := range det.History {
		if h.Field == field && (to == "" || h.To == to) {
			out = append(out, h)
		}
	}
	return out
}

// checkEscalatedOnce checks the breach of tk escalated exactly once: the
// lead was told once, the priority went up one level in one history entry
// noted "SLA breach", the ticket went to the lead, and the clock shows it.
func (d *slaDesk) checkEscalatedOnce(t *testing.T, tk model.Ticket) {
	t.Helper()
	apptest.WaitFor(t, 15*time.Second, "the lead told of the breach", func() bool { return d.count("lead-dm", "Breach", tk.Key) > 0 })
	time.Sleep(2500 * time.Millisecond) // more passes on every node: nothing more may happen
	if n := d.count("lead-dm", "Breach", tk.Key); n != 1 {
		t.Errorf("lead told of the breach %d times, want once: %q", n, d.chat.in("lead-dm"))
	}
	det := d.detail(t, tk.ID)
	if det.Priority != "P2" || det.AssigneeID != d.lead {
		t.Errorf("after the breach: priority %s assignee %d, want P2 (from P3) and the lead %d", det.Priority, det.AssigneeID, d.lead)
	}
	if ups := historyOf(det, "priority", ""); len(ups) != 1 || ups[0].From != "P3" || ups[0].To != "P2" || ups[0].Note != "SLA breach" {
		t.Errorf("priority history = %+v, want one P3 → P2 noted SLA breach", ups)
	}
	if b := historyOf(det, "sla", ticket.SLAResBreach); len(b) != 1 {
		t.Errorf("breach history entries = %+v, want one", b)
	}
	if det.SLA == nil || !det.SLA.ResolutionBreached || det.SLA.Policy != "fast" {
		t.Errorf("sla = %+v, want policy fast, resolution breached", det.SLA)
	}
}

// TestSLABreachEscalates runs a 2-second resolution target round the
// clock: the assignee is warned, then the breach tells the team lead,
// raises the priority and hands the ticket to the lead — once.
func TestSLABreachEscalates(t *testing.T) {
	d := newSLADesk(t, apptest.Start(t))
	d.policy(t, map[string]any{"name": "fast", "type": "incident", "first_response": "1h", "resolution": "2s",
		"calendar": "24x7", "warn_percent": 50, "reassign": "lead"})
	tk := d.create(t, "数据库主节点宕机")
	det := d.detail(t, tk.ID)
	if det.SLA == nil || det.SLA.ResolutionDue == nil || det.SLA.ResolutionDue.Sub(tk.CreatedAt).Round(time.Second) != 2*time.Second {
		t.Fatalf("new ticket sla = %+v, want resolution due 2s after creation", det.SLA)
	}
	if det.SLA.FirstResponseAt != nil || det.SLA.ResolutionBreached || det.SLA.Paused {
		t.Errorf("new ticket sla = %+v, want no response yet, not breached, not paused", det.SLA)
	}
	d.checkEscalatedOnce(t, tk)
	if n := d.count("agent-dm", "Warning", tk.Key); n != 1 {
		t.Errorf("assignee warned %d times, want once: %q", n, d.chat.in("agent-dm"))
	}
	var page struct {
		Items []model.Ticket `json:"items"`
	}
	d.n.Do("GET", "/api/v1/tickets?sla=breached", d.n.Token, nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != tk.ID {
		t.Errorf("sla=breached lists %+v, want %s", page.Items, tk.Key)
	}
	if st := d.n.Do("GET", "/api/v1/tickets?sla=late", d.n.Token, nil, nil); st != http.StatusBadRequest {
		t.Errorf("sla=late: %d, want 400", st)
	}
}

// TestSLAPauseWhileWaiting checks that 待反馈 stops the resolution clock
// and the paused time moves the due moment later.
func TestSLAPauseWhileWaiting(t *testing.T) {
	d := newSLADesk(t, apptest.Start(t))
	d.policy(t, map[string]any{"name": "fast", "type": "incident", "first_response": "1h", "resolution": "1h", "calendar": "24x7"})
	tk := d.create(t, "打印机卡纸")
	due0 := *d.detail(t, tk.ID).SLA.ResolutionDue
	move := func(to string) {
		path := fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID)
		if st := d.n.Do("POST", path, d.agentToken, map[string]any{"to": to}, nil); st != http.StatusOK {
			t.Fatalf("move to %s: %d", to, st)
		}
	}
	move("waiting")
	paused := d.detail(t, tk.ID).SLA
	if !paused.Paused || paused.FirstResponseAt == nil || !paused.ResolutionDue.Equal(due0) {
		t.Errorf("waiting: sla = %+v, want paused, first response met, due unchanged", paused)
	}
	time.Sleep(1500 * time.Millisecond)
	move("in_progress")
	after := d.detail(t, tk.ID).SLA
	if ext := after.ResolutionDue.Sub(due0); after.Paused || ext < 1500*time.Millisecond || ext > 10*time.Second {
		t.Errorf("resumed: due moved by %v (paused %v), want the 1.5s (and a little) paused, and running", ext, after.Paused)
	}
}

// TestSLAValidation checks the admin APIs refuse bad policies and
// calendars with their codes, and members cannot read them.
func TestSLAValidation(t *testing.T) {
	n := apptest.Start(t)
	for _, c := range []struct {
		path string
		body any
		code string
	}{
		{"/api/v1/sla-policies", map[string]any{"policies": []any{map[string]any{"name": "x", "resolution": "soon"}}}, ""},
		{"/api/v1/sla-policies", map[string]any{"policies": []any{map[string]any{"name": "x", "resolution": "1h", "calendar": "nope"}}}, "SB-2120"},
		{"/api/v1/sla-policies", map[string]any{"policies": []any{map[string]any{"name": "x", "priority": "P9", "resolution": "1h"}}}, "SB-2120"},
		{"/api/v1/sla-calendars", map[string]any{"calendars": []any{map[string]any{"name": "c", "days": []int{1}, "hours": []any{map[string]string{"from": "18:00", "to": "09:00"}}}}}, "SB-2121"},
		{"/api/v1/sla-calendars", map[string]any{"calendars": []any{}}, "SB-2122"}, // the default policies use cn-business
	} {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		st := n.Do("PUT", c.path, n.Token, c.body, &e)
		if st < 400 || (c.code != "" && e.Error.Code != c.code) {
			t.Errorf("PUT %s %v: %d %s, want %s", c.path, c.body, st, e.Error.Code, c.code)
		}
	}
	var pol model.SLAPolicies
	if st := n.Do("GET", "/api/v1/sla-policies", n.Token, nil, &pol); st != http.StatusOK || len(pol.Policies) == 0 || pol.Policies[0].Name != "incident-P1" {
		t.Errorf("default policies: %d %+v", st, pol)
	}
	_, member := n.CreateUser("member-1", string(model.RoleMember), 1)
	if st := n.Do("GET", "/api/v1/sla-policies", member, nil, nil); st != http.StatusForbidden {
		t.Errorf("member reads sla policies: %d, want 403", st)
	}
}

// TestSLABreachOnceAcrossNodes runs two nodes on one PostgreSQL: both
// timers race over the same breach (and passes are forced on both at
// once), and it still escalates exactly once.
func TestSLABreachOnceAcrossNodes(t *testing.T) {
	schema, nats := testsvc.FreshSchema(t), testsvc.StartNATS(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	node := func(id string) apptest.Options {
		return func(c *config.Config) {
			c.DatabaseURL, c.NATSURL, c.MasterKeyFile, c.NodeID = schema.URL, nats.URL(), keys, id
		}
	}
	a := apptest.Start(t, node("a"))
	b := apptest.Start(t, node("b"))
	d := newSLADesk(t, a)
	d.policy(t, map[string]any{"name": "fast", "type": "incident", "first_response": "1h", "resolution": "2s",
		"calendar": "24x7", "reassign": "lead"})
	tk := d.create(t, "核心交换机告警")
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, n := range []*apptest.Node{a, b, a, b} {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := n.App.SLATimer.Pass(ctx); err != nil && ctx.Err() == nil {
					t.Errorf("pass: %v", err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	d.checkEscalatedOnce(t, tk)
	stop()
	wg.Wait()
}

// TestSLAPriorityAndFirstResponse checks a public comment is the first
// response, and raising the priority takes the tighter policy's targets.
func TestSLAPriorityAndFirstResponse(t *testing.T) {
	d := newSLADesk(t, apptest.Start(t))
	pols := []any{
		map[string]any{"name": "urgent", "priority": "P1", "first_response": "15m", "resolution": "10m", "calendar": "24x7"},
		map[string]any{"name": "normal", "first_response": "1h", "resolution": "1h", "calendar": "24x7"},
	}
	if st := d.n.Do("PUT", "/api/v1/sla-policies", d.n.Token, map[string]any{"policies": pols}, nil); st != http.StatusOK {
		t.Fatalf("put policies: %d", st)
	}
	tk := d.create(t, "邮件发不出去")
	if s := d.detail(t, tk.ID).SLA; s.Policy != "normal" || s.ResolutionDue.Sub(tk.CreatedAt).Round(time.Minute) != time.Hour {
		t.Fatalf("P3 ticket sla = %+v, want policy normal, due in 1h", s)
	}
	path := fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID)
	if st := d.n.Do("POST", path, d.agentToken, map[string]any{"body": "正在排查", "public": false}, nil); st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("internal comment: %d", st)
	}
	if s := d.detail(t, tk.ID).SLA; s.FirstResponseAt != nil {
		t.Errorf("an internal comment counted as the first response: %+v", s)
	}
	d.n.Do("POST", path, d.agentToken, map[string]any{"body": "您好，已收到，正在处理", "public": true}, nil)
	if s := d.detail(t, tk.ID).SLA; s.FirstResponseAt == nil || s.FirstResponseBreached {
		t.Errorf("after a public comment: sla = %+v, want first response met in time", s)
	}
	factors := map[string]int{"users_affected": 5, "severity": 5, "business_relevance": 5, "effort": 1, "strategic_fit": 5}
	var up model.Ticket
	st := d.n.Do("PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), d.agentToken, map[string]any{"version": tk.Version, "factors": factors}, &up)
	if st != http.StatusOK || up.Priority != "P1" {
		t.Fatalf("rescore: %d priority %s", st, up.Priority)
	}
	if s := d.detail(t, tk.ID).SLA; s.Policy != "urgent" || s.ResolutionDue.Sub(tk.CreatedAt).Round(time.Minute) != 10*time.Minute {
		t.Errorf("P1 ticket sla = %+v, want policy urgent, due 10m after creation", s)
	}
}

// TestSLARemindersWithInjectedClock moves the timer's clock instead of
// waiting: overdue reminders go to the assignee every remind_every (the
// latest only, when several passed unseen), and stop at 已解决.
func TestSLARemindersWithInjectedClock(t *testing.T) {
	d := newSLADesk(t, apptest.Start(t))
	d.policy(t, map[string]any{"name": "slow", "type": "incident", "resolution": "1m", "remind_every": "10m", "calendar": "24x7"})
	tk := d.create(t, "报表导出失败")
	timer := d.n.App.SLATimer
	start := time.Now()
	at := func(after time.Duration) {
		timer.SetClock(func() time.Time { return start.Add(after) })
		if err := timer.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	at(26 * time.Minute) // breach at 1m, reminders due at 11m and 21m
	apptest.WaitFor(t, 5*time.Second, "reminder #2 to the assignee", func() bool { return d.count("agent-dm", "Overdue #2", tk.Key) == 1 })
	if d.count("agent-dm", "Overdue #1") != 0 || d.count("agent-dm", "Warning") != 0 {
		t.Errorf("assignee got a stale reminder or a warning after the breach: %q", d.chat.in("agent-dm"))
	}
	at(32 * time.Minute)
	apptest.WaitFor(t, 5*time.Second, "reminder #3", func() bool { return d.count("agent-dm", "Overdue #3", tk.Key) == 1 })
	path := fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID)
	if st := d.n.Do("POST", path, d.agentToken, map[string]any{"to": "resolved"}, nil); st != http.StatusOK {
		t.Fatalf("resolve: %d", st)
	}
	at(33 * time.Minute) // picks up the resolution
	at(60 * time.Minute)
	time.Sleep(500 * time.Millisecond)
	if n := d.count("agent-dm", "Overdue"); n != 2 {
		t.Errorf("assignee got %d reminders, want 2 (none after resolution): %q", n, d.chat.in("agent-dm"))
	}
	if n := d.count("lead-dm", "Breach", tk.Key); n != 1 {
		t.Errorf("lead told of the breach %d times, want once", n)
	}
}
