package ticket

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/sla"
	"switchboard/internal/store"
)

// clocked is a ticket's clocks under its policy.
type clocked struct {
	policy model.SLAPolicy
	clock  *sla.Clock
	state  sla.State
}

// clocks replays t's status history (and its first public comment by a
// user, which is a first response too) under t's policy; ok is false when
// no policy matches t.
func (s *Service) clocks(ctx context.Context, setup slaSetup, t model.Ticket, history []model.TicketChange, comments []model.TicketComment) (clocked, bool) {
	p, k, ok := setup.match(t)
	if !ok {
		return clocked{}, false
	}
	var steps []sla.Step
	for _, h := range history {
		if h.Field == "status" {
			steps = append(steps, sla.Step{At: h.At, From: h.From, To: h.To})
		}
	}
	var first time.Time
	for _, c := range comments {
		if c.Public && c.AuthorID != 0 {
			first = c.CreatedAt
			break
		}
	}
	return clocked{policy: p, clock: k, state: sla.Replay(k, targets(p), t.CreatedAt, steps, first)}, true
}

// SyncClock recomputes a ticket's stored clock from the ticket as it is.
// Tickets that predate SLAs (policy "-") keep having none.
func (s *Service) SyncClock(ctx context.Context, id int64) (store.TicketClock, error) {
	old, err := s.Store.TicketClock(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return old, err
	}
	t, err := s.Store.GetTicket(ctx, store.TicketScope{All: true}, id)
	if err != nil {
		return old, err
	}
	c := store.TicketClock{TicketID: id, Version: t.Version, Policy: store.NoSLA}
	if old.Policy != store.NoSLA {
		if c, err = s.computeClock(ctx, t); err != nil {
			return c, err
		}
	}
	return c, s.Store.SaveTicketClock(ctx, c)
}

func (s *Service) computeClock(ctx context.Context, t model.Ticket) (store.TicketClock, error) {
	c := store.TicketClock{TicketID: t.ID, Version: t.Version, Policy: ""}
	setup, err := s.slaSetup(ctx)
	if err != nil {
		return c, err
	}
	history, err := s.Store.TicketHistory(ctx, t.ID)
	if err != nil {
		return c, err
	}
	comments, err := s.Store.TicketComments(ctx, t.ID, true)
	if err != nil {
		return c, err
	}
	ck, ok := s.clocks(ctx, setup, t, history, comments)
	if !ok {
		return c, nil
	}
	st := ck.state
	c = store.TicketClock{TicketID: t.ID, Version: t.Version, Policy: ck.policy.Name, Cycle: st.Cycle, FirstDue: st.FirstDue,
		FirstWarn: st.FirstWarn, FirstResponseAt: st.FirstResponseAt, ResolutionDue: st.ResolutionDue,
		ResolutionWarn: st.ResolutionWarn, FrozenAt: st.Frozen(), Paused: !st.PausedSince.IsZero()}
	_, c.NextAt = owed(c, ck.policy, time.Time{}) // the earliest moment: the timer pass sorts out what is done
	return c, nil
}

// view is the `sla` object of a ticket's detail.
func (ck clocked) view(now time.Time) *model.TicketSLAView {
	st := ck.state
	v := &model.TicketSLAView{Policy: ck.policy.Name, Calendar: ck.policy.Calendar, Cycle: st.Cycle,
		FirstResponseDue: when(st.FirstDue), FirstResponseAt: when(st.FirstResponseAt), ResolutionDue: when(st.ResolutionDue),
		Paused: !st.PausedSince.IsZero(), Stopped: !st.StoppedAt.IsZero(),
		FirstResponseBreached: st.FirstBreached(now), ResolutionBreached: st.ResolutionBreached(now),
		Remaining: model.SLADuration(st.Remaining(ck.clock, now))}
	firstRisk := !st.FirstWarn.IsZero() && st.FirstResponseAt.IsZero() && st.StoppedAt.IsZero() && !now.Before(st.FirstWarn)
	resRisk := !st.ResolutionWarn.IsZero() && st.Frozen().IsZero() && !now.Before(st.ResolutionWarn)
	v.AtRisk = (firstRisk || resRisk) && !v.FirstResponseBreached && !v.ResolutionBreached
	return v
}

func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// slaView is the clocks of a ticket whose detail is being read, computed
// afresh (so a change shows at once); nil for a ticket without a policy
// or from before SLAs.
func (s *Service) slaView(ctx context.Context, d Detail) (*model.TicketSLAView, error) {
	if c, err := s.Store.TicketClock(ctx, d.ID); err == nil && c.Policy == store.NoSLA {
		return nil, nil
	}
	setup, err := s.slaSetup(ctx)
	if err != nil {
		return nil, err
	}
	comments := d.Comments
	ck, ok := s.clocks(ctx, setup, d.Ticket, d.History, comments)
	if !ok {
		return nil, nil
	}
	return ck.view(time.Now()), nil
}

// commented recomputes a ticket's clock after a public comment (which
// does not change the ticket's version, so the timer would not notice).
func (s *Service) commented(ctx context.Context, id int64) {
	if _, err := s.SyncClock(ctx, id); err != nil {
		s.warn("sla clock after a comment", id, err)
	}
}
