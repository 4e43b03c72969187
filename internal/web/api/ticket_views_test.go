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

type viewList struct {
	Items []model.TicketView `json:"items"`
}

// A user saves filters under a name, shares one with their unit, sees a
// colleague's shared view, and deletes only their own.
func TestTicketViewsAPI(t *testing.T) {
	n := apptest.Start(t)
	unit := n.CreateOrgUnit(1, "售后部")
	other := n.CreateOrgUnit(1, "财务部")
	_, li := n.CreateUser("li", "agent", unit)
	_, wang := n.CreateUser("wang", "agent", unit)
	_, zhao := n.CreateUser("zhao", "agent", other)

	var mine, shared model.TicketView
	if st := n.Do("POST", "/api/v1/ticket-views", li, map[string]any{"name": "我的待办", "query": "?mine=true&status=accepted"}, &mine); st != http.StatusCreated {
		t.Fatalf("save: %d", st)
	}
	if mine.Query != "mine=true&status=accepted" {
		t.Errorf("query kept as %q, want it without the leading ?", mine.Query)
	}
	if st := n.Do("POST", "/api/v1/ticket-views", li, map[string]any{"name": "P1", "query": "priority=P1", "org_unit_id": unit}, &shared); st != http.StatusCreated {
		t.Fatalf("save shared: %d", st)
	}
	wantCode(t, n, "POST", "/api/v1/ticket-views", li, map[string]any{"name": "我的待办", "query": "x=1"}, http.StatusConflict, "SB-2151")
	wantCode(t, n, "POST", "/api/v1/ticket-views", li, map[string]any{"name": " ", "query": "x=1"}, http.StatusUnprocessableEntity, "SB-2150")
	wantCode(t, n, "POST", "/api/v1/ticket-views", li, map[string]any{"name": "x", "query": "a=%zz"}, http.StatusUnprocessableEntity, "SB-2150")
	wantCode(t, n, "POST", "/api/v1/ticket-views", li, map[string]any{"name": "偷看", "query": "", "org_unit_id": other}, http.StatusForbidden, "SB-3003")

	names := func(token string) string {
		var l viewList
		n.Do("GET", "/api/v1/ticket-views", token, nil, &l)
		var s []string
		for _, v := range l.Items {
			s = append(s, v.Name)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct{ who, token, want string }{{"owner", li, "P1,我的待办"}, {"colleague", wang, "P1"}, {"other unit", zhao, ""}} {
		if got := names(c.token); got != c.want {
			t.Errorf("%s sees views %q, want %q", c.who, got, c.want)
		}
	}
	wantCode(t, n, "DELETE", fmt.Sprintf("/api/v1/ticket-views/%d", shared.ID), wang, nil, http.StatusNotFound, "SB-2001")
	if st := n.Do("DELETE", fmt.Sprintf("/api/v1/ticket-views/%d", mine.ID), li, nil, nil); st != http.StatusNoContent {
		t.Errorf("delete own: %d", st)
	}
	if got := names(li); got != "P1" {
		t.Errorf("after delete: %q", got)
	}
}

// mine, unassigned and team_id narrow the ticket list.
func TestTicketListConsoleFilters(t *testing.T) {
	d := newServiceDesk(t)
	team := d.n.CreateOrgUnit(d.unit, "二线")
	mk := func(title string, extra map[string]any) model.Ticket {
		body := map[string]any{"type": "task", "title": title, "org_unit_id": d.unit}
		for k, v := range extra {
			body[k] = v
		}
		st, tk := d.create(t, d.n.Token, body)
		if st != http.StatusCreated {
			t.Fatalf("create %s: %d", title, st)
		}
		return tk
	}
	held := mk("held", map[string]any{"assignee_id": d.agentID})
	loose := mk("loose", nil)
	teamed := mk("teamed", map[string]any{"team_id": team, "assignee_id": d.agentID})
	for _, c := range []struct{ query, want string }{
		{"mine=true", teamed.Key + "," + held.Key},
		{"unassigned=true", loose.Key},
		{fmt.Sprintf("team_id=%d", team), teamed.Key},
	} {
		var p struct{ Items []model.Ticket }
		if st := d.n.Do("GET", "/api/v1/tickets?"+c.query, d.agentToken, nil, &p); st != http.StatusOK {
			t.Fatalf("%s: %d", c.query, st)
		}
		var keys []string
		for _, tk := range p.Items {
			keys = append(keys, tk.Key)
		}
		if got := strings.Join(keys, ","); got != c.want {
			t.Errorf("%s: %s, want %s", c.query, got, c.want)
		}
	}
	wantCode(t, d.n, "GET", "/api/v1/tickets?mine=true&unassigned=true", d.agentToken, nil, http.StatusBadRequest, "SB-2004")
}

// stream opens the event stream as token and returns its lines once connected.
func stream(t *testing.T, n *apptest.Node, token string) <-chan string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan string, 100)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || sc.Text() != ": connected" {
		t.Fatalf("stream did not connect: %q", sc.Text())
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// ticketKeysUntil collects the ticket keys of data lines until last appears.
func ticketKeysUntil(t *testing.T, lines <-chan string, last string) []string {
	t.Helper()
	var keys []string
	for l := range lines {
		if data, ok := strings.CutPrefix(l, "data: "); ok && strings.Contains(data, `"ticket"`) {
			i := strings.Index(data, `"key":"`)
			key := data[i+7 : i+7+strings.Index(data[i+7:], `"`)]
			keys = append(keys, key)
			if key == last {
				return keys
			}
		}
	}
	t.Fatalf("stream ended before %s; saw %v", last, keys)
	return nil
}

// The live stream carries ticket events only to viewers whose ticket scope
// holds the ticket: another department's agent never hears of it.
func TestTicketEventsFollowTicketScope(t *testing.T) {
	n := apptest.Start(t)
	a, b := n.CreateOrgUnit(1, "售后部"), n.CreateOrgUnit(1, "财务部")
	_, tokA := n.CreateUser("a", "agent", a)
	_, tokB := n.CreateUser("b", "agent", b)
	memberID, tokM := n.CreateUser("m", "member", a)
	la, lb, lm := stream(t, n, tokA), stream(t, n, tokB), stream(t, n, tokM)
	var inA, inB, forM model.Ticket
	n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "incident", "title": "A 的故障", "org_unit_id": a}, &inA)
	n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "incident", "title": "B 的故障", "org_unit_id": b}, &inB)
	n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "task", "title": "给 m", "org_unit_id": a, "assignee_id": memberID}, &forM)
	if st := n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", inB.ID), n.Token, map[string]any{"to": "in_progress"}, nil); st != http.StatusOK {
		t.Fatalf("move: %d", st)
	}
	// A sees its own two; B sees its ticket created and moved, never A's;
	// the member sees only the task assigned to them.
	if got := strings.Join(ticketKeysUntil(t, la, forM.Key), ","); got != inA.Key+","+forM.Key {
		t.Errorf("department A's stream: %s", got)
	}
	if got := strings.Join(ticketKeysUntil(t, lb, inB.Key), ","); got != inB.Key {
		t.Errorf("department B's stream: %s", got)
	}
	if got := strings.Join(ticketKeysUntil(t, lb, inB.Key), ","); got != inB.Key {
		t.Errorf("department B's stream after the move: %s", got)
	}
	if got := strings.Join(ticketKeysUntil(t, lm, forM.Key), ","); got != forM.Key {
		t.Errorf("member's stream: %s", got)
	}
}
