package enrich

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// callTimeout bounds one platform request of a job.
const callTimeout = 30 * time.Second

// deniedRecheck is how long a lookup refused for a missing permission
// waits before it is tried again, so that granting the permission later
// fills the profiles in without anyone asking.
const deniedRecheck = 24 * time.Hour

// profiles looks up one batch of new identities.
func (e *Engine) profiles(ctx context.Context) int {
	now := e.now()
	jobs, err := e.st.ClaimProfiles(ctx, e.cfg.Owner, now, now.Add(e.cfg.Lease), e.cfg.Batch)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("claim contact lookups", "err", err)
		}
		return 0
	}
	for _, j := range jobs {
		e.profile(ctx, j)
	}
	return len(jobs)
}

// profile looks one identity up and stores the outcome. A refusal for a
// permission the admin did not grant is final and counted ("denied"): the
// person keeps the name the callback gave, and intake is unaffected.
func (e *Engine) profile(ctx context.Context, j store.ProfileJob) {
	ch, kind := e.kindOf(ctx, j.ChannelID)
	var p model.Profile
	var err error
	state := model.ProfileNone
	if dir, ok := ch.(channel.Directory); ok {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		p, err = dir.LookupUser(cctx, j.ExternalID)
		cancel()
		state = lookupState(err)
	} else if ch == nil {
		err, state = errors.New("channel not available"), model.ProfilePending
	}
	if state == model.ProfilePending && j.Attempts+1 >= e.cfg.MaxAttempts {
		state = model.ProfileFailed
	}
	if state == model.ProfilePending {
		e.lookups.WithLabelValues(kind, "retry").Inc()
		if rerr := e.st.RetryProfile(ctx, j.IdentityID, e.retryAt(j.Attempts)); rerr != nil {
			e.log.Error("reschedule contact lookup", "identity", j.IdentityID, "err", rerr)
		}
		e.log.Warn("contact lookup failed; will retry", "identity", j.IdentityID, "kind", kind, "err", err)
		return
	}
	if state == model.ProfileDenied {
		e.log.Warn("contact lookup refused: grant the channel's contact permission to get names, departments and emails",
			"channel", j.ChannelID, "kind", kind, "err", err)
	}
	e.lookups.WithLabelValues(kind, string(state)).Inc()
	if _, err := e.st.SaveProfile(ctx, j.IdentityID, state, p, e.now().Add(deniedRecheck)); err != nil {
		e.log.Error("store contact profile", "identity", j.IdentityID, "err", err)
	}
}

// lookupState maps a lookup's error to the state to store; pending
// means try again.
func lookupState(err error) model.ProfileState {
	switch {
	case err == nil:
		return model.ProfileDone
	case errors.Is(err, channel.ErrNoPermission):
		return model.ProfileDenied
	case errors.Is(err, channel.ErrNoProfile), errors.Is(err, channel.ErrPermanent):
		return model.ProfileNone
	}
	return model.ProfilePending
}
