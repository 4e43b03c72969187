package app

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// ruleSet is the node's compiled rules, swapped whole when they change so
// the intake commit never waits for a reload.
type ruleSet struct {
	p atomic.Pointer[rules.Set]
	// reloading serialises reloads, so a reload that read an older list can
	// never install after one that read a newer list. Only reloaders wait on
	// it (rule edits are rare); annotate reads the pointer without it.
	reloading sync.Mutex
}

// install swaps in a compiled set.
func (r *ruleSet) install(s *rules.Set) { r.p.Store(s) }

// annotate tags a new inbound message by the rules, inside the commit that
// stores it (see store.Annotating).
func (r *ruleSet) annotate(m *model.Message) {
	set := r.p.Load()
	if set == nil || set.Len() == 0 {
		return
	}
	out := rules.Merge(set.Evaluate(rules.FromMessage(m)))
	for _, t := range out.Tags {
		if !slices.Contains(m.Tags, t) {
			m.Tags = append(m.Tags, t)
		}
	}
	m.Category, m.Priority, m.RetentionClass = out.Category, out.Priority, out.RetentionClass
	m.Confidential = out.Confidential
	m.Notify = notifyRequest(out)
}

// notifyRequest is what the outcome asks of notifications, automatic
// replies and follow-up tasks, nil for nothing. It is stored with the
// message in the intake commit, so none of them is lost to a crash.
// Urgent and P1 imply "now" even when no rule said notify.
func notifyRequest(o rules.Outcome) *model.NotifyRequest {
	urgent := o.Urgent || o.Priority == "P1"
	if o.Notify == "" && !urgent && o.AutoReply == "" && o.Task == nil && o.Ticket == nil {
		return nil
	}
	r := &model.NotifyRequest{Mode: o.Notify, Urgent: o.Urgent, Priority: o.Priority,
		DigestInterval: time.Duration(o.DigestInterval), RuleIDs: o.RuleIDs, AutoReply: o.AutoReply, Via: o.Via}
	if o.Task != nil {
		r.Task = &model.TaskRequest{Title: o.Task.Title, Deadline: o.Task.Deadline.D()}
	}
	if o.Ticket != nil {
		r.Ticket = o.Ticket.Request()
	}
	if urgent {
		r.Mode = model.NotifyNow
	}
	for _, rt := range o.Routes {
		if rt.OrgUnitID != 0 || rt.Role != "" { // person routes are not notified yet
			r.Routes = append(r.Routes, model.NotifyRoute{OrgUnitID: rt.OrgUnitID, Role: model.Role(rt.Role)})
		}
	}
	return r
}

// useRules makes the store annotate messages with the node's rules.
func (a *App) useRules() {
	if an, ok := a.Store.(store.Annotating); ok {
		an.SetAnnotator(a.rules.annotate)
	}
}

// reloadRules compiles the stored rules and installs them; on an error the
// rules in use stay as they were.
func (a *App) reloadRules(ctx context.Context) error {
	a.rules.reloading.Lock()
	defer a.rules.reloading.Unlock()
	rs, err := a.Store.ListRules(ctx)
	if err != nil {
		return fmt.Errorf("load rules: %w", err)
	}
	set, err := rules.Compile(rs)
	if err != nil {
		return fmt.Errorf("compile rules: %w", err)
	}
	a.rules.install(set)
	return nil
}
