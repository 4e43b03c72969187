package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// progressReply answers "进度" with the requester's open tickets and, for
// each of their tickets merged into one still being worked, that ticket's
// status under their own number, worded like the merge notice: the
// requester's ticket is closed, but their request is not.
func (l *Loop) progressReply(ctx context.Context, open, closed []model.Ticket) (string, error) {
	var merged []string
	for _, d := range closed {
		part, err := l.mergedProgress(ctx, d, open)
		if err != nil {
			return "", err
		}
		if part != "" {
			merged = append(merged, part)
		}
	}
	if len(open) == 0 && len(merged) == 0 {
		return l.progressText(ctx, nil)
	}
	var parts []string
	if len(open) > 0 {
		text, err := l.progressText(ctx, open)
		if err != nil {
			return "", err
		}
		parts = append(parts, text)
	}
	return strings.Join(append(parts, merged...), "\n\n"), nil
}

// mergedProgress is the status of the ticket d was merged into, or "" when
// d is no duplicate, its survivor is finished, or listed already.
func (l *Loop) mergedProgress(ctx context.Context, d model.Ticket, open []model.Ticket) (string, error) {
	link, ok, err := l.Svc.Store.DuplicateOf(ctx, d.ID)
	if err != nil || !ok || slices.ContainsFunc(open, func(t model.Ticket) bool { return t.ID == link.SurvivorID }) {
		return "", err
	}
	root, err := l.Svc.Store.GetTicket(ctx, store.TicketScope{All: true}, link.SurvivorID)
	if err != nil || root.Status == model.TicketClosed || root.Status == model.TicketCancelled {
		return "", err
	}
	who, err := l.assignee(ctx, root)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("[%s] %s\n状态 Status: 已合并到 %s Merged into %s\n[%s] %s — %s\n处理人 Assignee: %s\n下一步 Next: %s",
		d.Key, d.Title, root.Key, root.Key, root.Key, root.Title, Label(root.Status), who, nextSteps[root.Status]), nil
}
