package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// On DingTalk with cards (send_as: card), the requester's group sees one
// status card that changes from 已受理 to 处理中 in place; the rating
// question after resolution is a new card they will notice.
func TestDingTalkStatusCardUpdatesInPlace(t *testing.T) {
	sim := simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingloop", AppSecret: "loop-secret"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	sim.SetURL(platform.URL)
	n := apptest.Start(t)
	var ch struct{ ID int64 }
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "dingtalk", "name": "钉钉报修", "org_unit_id": 1,
		"settings": map[string]string{"app_key": "dingloop", "app_secret": "loop-secret", "robot_code": "dingloop",
			"base_url": platform.URL, "oapi_base_url": platform.URL, "send_as": "card", "card_template_id": "tpl.status"}}, &ch)
	if st != http.StatusCreated {
		t.Fatalf("create channel: %d", st)
	}
	cb := &simdingtalk.Callbacks{URL: fmt.Sprintf("%s/hooks/dingtalk/%d", n.URL, ch.ID), AppSecret: "loop-secret", RobotCode: "dingloop", Server: sim}
	msg := cb.Message(simdingtalk.Message{MsgID: "msgLoop1==", ConversationType: "2", ConversationID: "cidRepair==", Title: "报修群",
		SenderStaffID: "wang5", SenderNick: "王五", Text: "三号线闸机无法刷卡"})
	if a, err := cb.Post(context.Background(), msg); err != nil || a.Status != http.StatusOK {
		t.Fatalf("callback: %v %+v", err, a)
	}
	var m model.Message
	apptest.WaitFor(t, 5*time.Second, "the message", func() bool {
		var p struct{ Items []model.Message }
		n.Do("GET", "/api/v1/messages", n.Token, nil, &p)
		if len(p.Items) > 0 {
			m = p.Items[0]
		}
		return len(p.Items) > 0
	})
	var tk model.Ticket
	if st := n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "incident", "source_message_ids": []int64{m.ID}}, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket: %d", st)
	}
	apptest.WaitFor(t, 5*time.Second, "the 已受理 card", func() bool { return len(sim.SentTo("cidRepair==")) == 1 })
	first := sim.SentTo("cidRepair==")[0]
	card, ok := sim.Card(first.OutTrackID)
	if first.Op != "card_create" || !ok || !strings.Contains(card.Params["content"], "已受理") {
		t.Fatalf("first notice = %+v (card %+v), want a card saying 已受理", first, card)
	}

	move := func(to string) {
		t.Helper()
		if st := n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID), n.Token, map[string]any{"to": to}, nil); st != http.StatusOK {
			t.Fatalf("move to %s: %d", to, st)
		}
	}
	move("in_progress")
	apptest.WaitFor(t, 5*time.Second, "the card to say 处理中", func() bool {
		c, _ := sim.Card(first.OutTrackID)
		return strings.Contains(c.Params["content"], "处理中")
	})
	if sent := sim.SentTo("cidRepair=="); len(sent) != 1 {
		t.Fatalf("the status change sent %d new messages, want the card updated in place", len(sent)-1)
	}
	move("resolved")
	apptest.WaitFor(t, 5*time.Second, "the rating question", func() bool { return len(sim.SentTo("cidRepair==")) == 2 })
	q, _ := sim.Card(sim.SentTo("cidRepair==")[1].OutTrackID)
	if !strings.Contains(q.Params["content"], "1–5") {
		t.Fatalf("after resolution the requester got %+v, want the 1–5 question", q)
	}
}
