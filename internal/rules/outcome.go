package rules

import (
	"slices"
)

// Outcome is the combined effect of all matched rules on one message.
//
// Merge policy, chosen so that adding a rule can only make a message more
// visible, never quieter:
//   - tags and routes: union, in rule order, without repeats;
//   - priority: the most urgent (P1 beats P4); urgent and confidential: any rule;
//   - notify: "now" beats "digest"; with digest the shortest interval wins;
//   - category, task, ticket, retention class, auto-reply: the first rule that sets
//     one — at most one task and one reply per message keeps effects idempotent,
//     and earlier rules are the more specific by convention.
type Outcome struct {
	RuleIDs        []int64       `json:"rule_ids"` // matched rules in order
	Tags           []string      `json:"tags,omitempty"`
	Category       string        `json:"category,omitempty"`
	Priority       string        `json:"priority,omitempty"`
	Urgent         bool          `json:"urgent,omitempty"`
	Routes         []Route       `json:"routes,omitempty"`
	Notify         string        `json:"notify,omitempty"`
	DigestInterval Duration      `json:"digest_interval,omitempty"` // set when Notify is digest
	Task           *Task         `json:"task,omitempty"`
	Ticket         *TicketAction `json:"ticket,omitempty"`
	RetentionClass string        `json:"retention_class,omitempty"`
	Confidential   bool          `json:"confidential,omitempty"`
	AutoReply      string        `json:"auto_reply,omitempty"`
	Via            []int64       `json:"via,omitempty"`        // the first rule's channel order for notifications
	StoppedBy      int64         `json:"stopped_by,omitempty"` // id of the rule whose Stop ended evaluation
}

// Merge combines matches (as returned by Evaluate) into one Outcome.
func Merge(matches []Match) Outcome {
	var o Outcome
	for _, m := range matches {
		o.RuleIDs = append(o.RuleIDs, m.RuleID)
		o.add(m.Actions)
		if m.Stop {
			o.StoppedBy = m.RuleID
		}
	}
	switch {
	case o.Notify != NotifyDigest:
		o.DigestInterval = 0
	case o.DigestInterval == 0: // matches built by hand, not by Evaluate
		o.DigestInterval = Duration(DefaultDigestInterval)
	}
	return o
}

// add folds one rule's actions into o.
func (o *Outcome) add(a Actions) {
	for _, t := range a.Tags {
		if !slices.Contains(o.Tags, t) {
			o.Tags = append(o.Tags, t)
		}
	}
	if !a.RouteTo.IsZero() && !slices.Contains(o.Routes, a.RouteTo) {
		o.Routes = append(o.Routes, a.RouteTo)
	}
	// "P1" < "P4" as strings, so the smaller string is the more urgent.
	if a.Priority != "" && (o.Priority == "" || a.Priority < o.Priority) {
		o.Priority = a.Priority
	}
	o.Urgent = o.Urgent || a.Urgent
	o.Confidential = o.Confidential || a.Confidential
	switch a.Notify {
	case NotifyNow:
		o.Notify = NotifyNow
	case NotifyDigest:
		if o.Notify == "" {
			o.Notify = NotifyDigest
		}
		if o.DigestInterval == 0 || (a.DigestInterval > 0 && a.DigestInterval < o.DigestInterval) {
			o.DigestInterval = a.DigestInterval
		}
	}
	firstString(&o.Category, a.Category)
	firstString(&o.RetentionClass, a.RetentionClass)
	firstString(&o.AutoReply, a.AutoReply)
	if o.Via == nil && len(a.Via) > 0 {
		o.Via = slices.Clone(a.Via)
	}
	if o.Ticket == nil && !a.Ticket.IsZero() {
		t := a.Ticket
		o.Ticket = &t
	}
	if o.Task == nil && !a.Task.IsZero() {
		t := a.Task
		o.Task = &t
	}
}

// firstString sets *dst to v unless an earlier rule already set it.
func firstString(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// DryRunResult is what a rule set would do to one past message.
type DryRunResult struct {
	MessageID int64   `json:"message_id"`
	Matches   []Match `json:"matches"`
	Outcome   Outcome `json:"outcome"`
}

// DryRun evaluates set over past messages without any side effect and
// returns one result per message that at least one rule matched, in input
// order. A draft rule is tried by compiling it (Enabled set) alone or
// together with the live rules.
func DryRun(set *Set, inputs []Input) []DryRunResult {
	var out []DryRunResult
	for _, in := range inputs {
		ms := set.Evaluate(in)
		if len(ms) == 0 {
			continue
		}
		out = append(out, DryRunResult{MessageID: in.MessageID, Matches: ms, Outcome: Merge(ms)})
	}
	return out
}
