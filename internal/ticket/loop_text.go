package ticket

import (
	"context"
	"fmt"
	"strings"

	"switchboard/internal/model"
)

// nextSteps tell the requester, in both languages, what happens next.
var nextSteps = map[model.TicketStatus]string{
	model.TicketAccepted:   "我们已收到，将尽快安排处理。 We have it and will pick it up soon.",
	model.TicketConfirmed:  "需求已确认，将排期实现。 The requirement is confirmed and will be scheduled.",
	model.TicketInProgress: "正在处理，有进展会告诉您。 We are working on it and will tell you of any progress.",
	model.TicketWaiting:    "等待您的反馈，请在此回复。 We are waiting for your reply here.",
	model.TicketResolved: "请回复 1–5 为本次服务评分（5 最满意）；如未解决请回复“没解决”。" +
		" Please reply 1–5 to rate us (5 = best), or \"not solved\" if it is not.",
	model.TicketClosed:    "工单已关闭，感谢您的反馈。 The ticket is closed; thank you.",
	model.TicketCancelled: "工单已取消。 The ticket was cancelled.",
}

// statusText is the notice of t's status: number, title, status,
// assignee, the reason of the change when it had one, and the next step.
func (l *Loop) statusText(ctx context.Context, t model.Ticket) (string, error) {
	who, err := l.assignee(ctx, t)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n", t.Key, t.Title)
	fmt.Fprintf(&b, "状态 Status: %s\n", Label(t.Status))
	fmt.Fprintf(&b, "处理人 Assignee: %s\n", who)
	if reason, err := l.reason(ctx, t); err != nil {
		return "", err
	} else if reason != "" {
		fmt.Fprintf(&b, "原因 Reason: %s\n", reason)
	}
	fmt.Fprintf(&b, "下一步 Next: %s", nextSteps[t.Status])
	return b.String(), nil
}

func (l *Loop) assignee(ctx context.Context, t model.Ticket) (string, error) {
	if t.AssigneeID == 0 {
		return "待分配 unassigned", nil
	}
	u, err := l.Svc.Store.GetUser(ctx, t.AssigneeID)
	if err != nil {
		return "", err
	}
	if u.Name == "" {
		return u.Login, nil
	}
	return u.Name, nil
}

// reason is the note of the change into t's current status, if any.
func (l *Loop) reason(ctx context.Context, t model.Ticket) (string, error) {
	h, err := l.Svc.Store.TicketHistory(ctx, t.ID)
	if err != nil {
		return "", err
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Field == "status" {
			if h[i].To == string(t.Status) {
				return h[i].Note, nil
			}
			return "", nil
		}
	}
	return "", nil
}

// progressText answers "进度" with each open ticket's state.
func (l *Loop) progressText(ctx context.Context, open []model.Ticket) (string, error) {
	if len(open) == 0 {
		return "您在此会话中没有未完成的工单。 You have no open tickets in this conversation.", nil
	}
	parts := make([]string, len(open))
	for i, t := range open {
		who, err := l.assignee(ctx, t)
		if err != nil {
			return "", err
		}
		parts[i] = fmt.Sprintf("[%s] %s\n状态 Status: %s\n处理人 Assignee: %s\n下一步 Next: %s",
			t.Key, t.Title, Label(t.Status), who, nextSteps[t.Status])
	}
	return strings.Join(parts, "\n\n"), nil
}
