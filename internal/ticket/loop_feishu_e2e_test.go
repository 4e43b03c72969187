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
	simfeishu "switchboard/internal/simulator/feishu"
)

// On Feishu with cards, the requester's status card changes in place: one
// card shows 已受理, then 处理中; the rating question comes as a new
// message they will see.
func TestFeishuStatusCardUpdatesInPlace(t *testing.T) {
	sim := simfeishu.NewServer(simfeishu.Config{AppID: "cli_loop", AppSecret: "app-secret-1"})
	platform := httptest.NewServer(sim)
	defer platform.Close()
	n := apptest.Start(t)
	var ch struct{ ID int64 }
	st := n.Do("POST", "/api/v1/channels", n.Token, map[string]any{"kind": "feishu", "name": "飞书客服", "org_unit_id": 1,
		"settings": map[string]string{"app_id": "cli_loop", "app_secret": "app-secret-1", "verification_token": "vtoken-1",
			"encrypt_key": "encrypt-key-1", "base_url": platform.URL, "send_as": "card"}}, &ch)
	if st != http.StatusCreated {
		t.Fatalf("create channel: %d", st)
	}
	cb := &simfeishu.Callbacks{URL: fmt.Sprintf("%s/hooks/feishu/%d", n.URL, ch.ID), AppID: "cli_loop",
		VerificationToken: "vtoken-1", EncryptKey: "encrypt-key-1", Server: sim}
	sim.AddUser(simfeishu.User{OpenID: "ou_wang", Name: "王五"})
	sim.AddChat("oc_help", "报修群")
	ev := cb.MessageReceived(simfeishu.Message{MessageID: "om_1", ChatID: "oc_help", ChatType: "group",
		Sender: simfeishu.UserID{OpenID: "ou_wang"}, Text: "空调不制冷"})
	if a, err := cb.Post(context.Background(), ev); err != nil || a.Status != http.StatusOK {
		t.Fatalf("push: %v %+v", err, a)
	}
	var msg model.Message
	apptest.WaitFor(t, 5*time.Second, "the message", func() bool {
		var p struct{ Items []model.Message }
		n.Do("GET", "/api/v1/messages", n.Token, nil, &p)
		if len(p.Items) > 0 {
			msg = p.Items[0]
		}
		return len(p.Items) > 0
	})
	var tk model.Ticket
	if st := n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "incident", "source_message_ids": []int64{msg.ID}}, &tk); st != http.StatusCreated {
		t.Fatalf("create ticket: %d", st)
	}
	apptest.WaitFor(t, 5*time.Second, "the 已受理 card", func() bool { return len(sim.SentTo("oc_help")) == 1 })
	card := sim.SentTo("oc_help")[0]
	if card.MsgType != "interactive" || !strings.Contains(card.Content, "已受理") {
		t.Fatalf("first notice = %+v, want a card saying 已受理", card)
	}

	move := func(to string) {
		t.Helper()
		if st := n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID), n.Token, map[string]any{"to": to}, nil); st != http.StatusOK {
			t.Fatalf("move to %s: %d", to, st)
		}
	}
	move("in_progress")
	apptest.WaitFor(t, 5*time.Second, "the card to say 处理中", func() bool {
		c, _ := sim.Content(card.MessageID)
		return strings.Contains(c, "处理中")
	})
	if sent := sim.SentTo("oc_help"); len(sent) != 1 {
		t.Fatalf("the status change sent %d messages, want the card updated in place", len(sent)-1)
	}
	move("resolved")
	apptest.WaitFor(t, 5*time.Second, "the rating question", func() bool { return len(sim.SentTo("oc_help")) == 2 })
	if q := sim.SentTo("oc_help")[1]; !strings.Contains(q.Content, "1–5") {
		t.Fatalf("after resolution the requester got %q, want the 1–5 question", q.Content)
	}
}
