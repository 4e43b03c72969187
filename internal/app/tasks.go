package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

// ruleTasks makes the follow-up tasks of rules ("需跟进 → a task due in 2
// days") as tickets of type task, acting as the system: the rule was
// written by an admin, and the message is its only source, so resolving the
// same intent again returns the same task.
type ruleTasks struct {
	svc *ticket.Service
}

// systemCaller is the rules engine acting, as the server.
var systemCaller = ticket.System

func (r ruleTasks) MakeTask(ctx context.Context, msg model.Message, title string, due time.Time) error {
	_, _, err := r.svc.Create(ctx, systemCaller, ticket.Create{Type: model.TypeTask, Title: taskTitle(title, msg.Text),
		DueAt: due.UTC(), Sources: []int64{msg.ID}})
	return err
}

// taskTitle is the rule's title and the start of the message, so a list
// of tasks says what each is about.
func taskTitle(rule, text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if utf8.RuneCountInString(line) > 60 {
		line = string([]rune(line)[:60]) + "…"
	}
	if line == "" {
		return rule
	}
	return rule + "：" + line
}
