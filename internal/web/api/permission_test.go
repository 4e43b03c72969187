package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// deptSetup makes departments A and B, a webhook channel owned by each with
// one message, and a member of A.
func deptSetup(t *testing.T) (n *apptest.Node, memberA string, msgA, msgB model.Message) {
	n = apptest.Start(t)
	a, b := n.CreateOrgUnit(1, "销售部 Sales"), n.CreateOrgUnit(1, "研发部 R&D")
	ha, hb := n.CreateWebhook("A", a, ""), n.CreateWebhook("B", b, "")
	_, memberA = n.CreateUser("zhang", "member", a)
	mb := apptest.NewMessage("b1", "cb", "wang", "研发机密 紧急")
	mb.Attachments = []map[string]any{{"name": "spec.txt", "mime": "text/plain", "data": "c2VjcmV0"}}
	n.Post(ha, apptest.NewMessage("a1", "ca", "li", "销售周报 紧急"))
	n.Post(hb, mb)
	var p page
	apptest.WaitFor(t, time.Second, "both messages", func() bool { n.Do("GET", "/api/v1/messages", n.Token, nil, &p); return len(p.Items) == 2 })
	for _, m := range p.Items {
		if m.ChannelID == ha.ID {
			msgA = m
		} else {
			msgB = m
		}
	}
	return n, memberA, msgA, msgB
}

func TestMemberSeesOnlyOwnDepartment(t *testing.T) {
	n, tok, msgA, msgB := deptSetup(t)
	for _, q := range []string{"", "q=紧急", fmt.Sprintf("org_unit_id=%d", msgB.OrgUnitID), fmt.Sprintf("channel_id=%d", msgB.ChannelID)} {
		var p page
		if st := n.Do("GET", "/api/v1/messages?"+q, tok, nil, &p); st != 200 {
			t.Fatalf("list %q: status %d", q, st)
		}
		for _, m := range p.Items {
			if m.ID == msgB.ID {
				t.Errorf("list %q shows department B's message to a member of A", q)
			}
		}
		if q == "" || q == "q=紧急" {
			if len(p.Items) != 1 || p.Items[0].ID != msgA.ID {
				t.Errorf("list %q = %d items, want A's message only", q, len(p.Items))
			}
		}
	}
	paths := []string{
		fmt.Sprintf("/api/v1/messages/%d", msgB.ID),
		fmt.Sprintf("/api/v1/messages/%d/attachments/0", msgB.ID),
		fmt.Sprintf("/api/v1/conversations/%d", msgB.ConversationID),
		fmt.Sprintf("/api/v1/channels/%d", msgB.ChannelID),
	}
	for _, p := range paths {
		if st := n.Do("GET", p, tok, nil, nil); st != http.StatusForbidden {
			t.Errorf("GET %s as member of A: %d, want 403", p, st)
		}
	}
	if st := n.Do("GET", fmt.Sprintf("/api/v1/messages/%d", msgA.ID), tok, nil, nil); st != 200 {
		t.Errorf("own department's message: %d", st)
	}
	var audit struct{ Items []model.AuditEntry }
	n.Do("GET", "/api/v1/audit?denied=true", n.Token, nil, &audit)
	denied := map[string]bool{}
	for _, e := range audit.Items {
		if e.Login == "zhang" && !e.Allowed {
			denied[e.Resource] = true
		}
	}
	for _, want := range []string{fmt.Sprintf("message:%d", msgB.ID), fmt.Sprintf("channel:%d", msgB.ChannelID), fmt.Sprintf("org_unit:%d", msgB.OrgUnitID)} {
		if !denied[want] {
			t.Errorf("audit has no denied entry for %s; got %v", want, denied)
		}
	}
}

func TestLiveEventsAreScoped(t *testing.T) {
	n := apptest.Start(t)
	a, b := n.CreateOrgUnit(1, "A"), n.CreateOrgUnit(1, "B")
	ha, hb := n.CreateWebhook("A", a, ""), n.CreateWebhook("B", b, "")
	_, tok := n.CreateUser("zhao", "member", a)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	<-lines // ": connected" — subscribed before we post
	start := time.Now()
	n.Post(hb, apptest.NewMessage("b-secret", "c", "s", "B部门机密"))
	n.Post(ha, apptest.NewMessage("a-public", "c", "s", "A部门消息"))
	for l := range lines {
		if strings.Contains(l, "B部门机密") {
			t.Fatal("member of A received B's message over SSE")
		}
		if strings.HasPrefix(l, "data:") && strings.Contains(l, "A部门消息") {
			if d := time.Since(start); d > time.Second {
				t.Errorf("event took %s", d)
			}
			return
		}
	}
	t.Fatal("stream ended without A's message")
}
