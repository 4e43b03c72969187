package ticket

import (
	"context"
	"fmt"
	"strings"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// dupResolvedStep is the next step a duplicate's requester reads when the
// ticket theirs was merged into is resolved.
const dupResolvedStep = "如未解决请回复“没解决”，我们会继续处理。 Reply \"not solved\" if it is not, and we will carry on."

// noticeText is the notice of t's status; a duplicate closed by a merge
// says where it went instead of "closed, thank you".
func (l *Loop) noticeText(ctx context.Context, t model.Ticket) (string, error) {
	if t.Status != model.TicketClosed {
		return l.statusText(ctx, t)
	}
	link, ok, err := l.Svc.Store.DuplicateOf(ctx, t.ID)
	if err != nil || !ok {
		return l.statusText(ctx, t)
	}
	root, err := l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, link.SurvivorID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("[%s] %s\n状态 Status: 已合并到 %s Merged into %s\n[%s] %s — %s\n下一步 Next: "+
		"您反馈的问题与 %s 相同，我们将一并处理，有进展会在此告诉您。 It is the same request as %s; we handle them together and will tell you of any progress here.",
		t.Key, t.Title, root.Key, root.Key, root.Key, root.Title, Label(root.Status), root.Key, root.Key), nil
}

// dupesThenMark tells the requesters of t's duplicates about t's new
// status (when it changed), each in their own conversation, then records t told. Keys are
// per duplicate and survivor version, so a pass repeated after a crash
// sends nothing twice.
func (l *Loop) dupesThenMark(ctx context.Context, t model.Ticket, next store.TicketTold, changed bool) error {
	if !changed {
		return l.St.MarkTicketTold(ctx, next)
	}
	links, err := l.Svc.Store.Duplicates(ctx, t.ID)
	if err != nil {
		return err
	}
	var text string
	done := map[int64]bool{t.Requester.ConversationID: true} // told already, with its own notice
	for _, link := range links {
		d, err := l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, link.TicketID)
		if err != nil {
			return err
		}
		conv := d.Requester.ConversationID
		if conv == 0 || done[conv] {
			continue
		}
		done[conv] = true
		if text == "" {
			if text, err = l.statusText(ctx, t); err != nil {
				return err
			}
			// The rating belongs to the survivor's own requester; the
			// others may still say it is not solved for them.
			text = strings.Replace(text, nextSteps[model.TicketResolved], dupResolvedStep, 1)
		}
		out := channel.Outbound{Text: fmt.Sprintf("您的工单 %s 已合并到 %s。 Your ticket %s was merged into %s.\n%s", d.Key, t.Key, d.Key, t.Key, text), SenderName: "Switchboard"}
		if _, err := l.say(ctx, conv, fmt.Sprintf("ticket-loop:%d:of%d:v%d", d.ID, t.ID, t.Version), out); err != nil {
			return fmt.Errorf("duplicate %s of %s: %w", d.Key, t.Key, err)
		}
	}
	return l.St.MarkTicketTold(ctx, next)
}
