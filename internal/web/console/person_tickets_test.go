package console_test

import (
	"fmt"
	"strings"
	"testing"
)

// A customer's page lists the tickets they raised that the agent may see,
// with their status, and leads to the ticket list filtered to them; the
// filter survives the list's own form.
func TestPersonPageListsTheirTickets(t *testing.T) {
	d := newDesk(t)
	post(t, d.n, d.hook, webhookMsg("m2", "c2", "私聊", "王小明", "发票开错了"))
	second := stored(t, d.n, "发票开错了")
	post(t, d.n, d.hook, webhookMsg("m3", "c3", "私聊", "赵六", "打印机没纸"))
	others := stored(t, d.n, "打印机没纸")
	if second.SenderID != d.msg.SenderID || others.SenderID == d.msg.SenderID {
		t.Fatalf("senders %d, %d, %d: want the first two one person", d.msg.SenderID, second.SenderID, others.SenderID)
	}
	first := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}, "assignee_id": d.agentID})
	wish := d.ticket(t, map[string]any{"type": "requirement", "source_message_ids": []int64{second.ID}})
	theirs := d.ticket(t, map[string]any{"type": "incident", "source_message_ids": []int64{others.ID}})
	typed := d.ticket(t, map[string]any{"type": "task", "title": "回访王小明", "org_unit_id": d.unit})

	person := fmt.Sprintf("/people/%d", d.msg.SenderID)
	_, body := d.agent.get(person)
	tickets := body[strings.Index(body, "此人提出的工单"):strings.Index(body, "最近消息")]
	wantIn(t, "person page", tickets, []string{first.Key, wish.Key, "设备连不上网，很紧急", "发票开错了", "已受理", `<td class="assignee">li</td>`},
		[]string{theirs.Key, typed.Key, "没有您可查看的工单"})

	_, body = d.agent.get(fmt.Sprintf("/people/%d", others.SenderID))
	wantIn(t, "another person's page", body[:strings.Index(body, "最近消息")], []string{theirs.Key}, []string{first.Key, wish.Key})

	_, list := d.agent.get(fmt.Sprintf("/tickets?requester_id=%d", d.msg.SenderID))
	wantIn(t, "list of their tickets", list, []string{first.Key, wish.Key,
		fmt.Sprintf(`<input type="hidden" name="requester_id" value="%d">`, d.msg.SenderID)}, []string{theirs.Key, typed.Key})

	d.agent.setLang("en")
	_, body = d.agent.get(person)
	wantIn(t, "English page", body, []string{"Tickets this person raised", first.Key}, nil)
}
