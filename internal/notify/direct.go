package notify

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoChannel is Tell's answer for a user with no way to reach them.
var ErrNoChannel = errors.New("no notification channel")

// Tell sends text to one user at once through their notification chain
// (their own, their org unit's or the default, as for any notification),
// under key: the outbox keeps one delivery per key, so telling again with
// the same key — after a crash, or from another node — sends nothing
// more. It is for news about work that is not about one message (SLA
// warnings and escalations), and like urgent news it does not wait for
// quiet hours.
func (e *Engine) Tell(ctx context.Context, uid int64, key, text string) error {
	s, _, err := e.settings(ctx, uid)
	if err != nil {
		return err
	}
	if len(s.Chain) == 0 {
		return fmt.Errorf("user %d: %w", uid, ErrNoChannel)
	}
	if _, err := e.st.Enqueue(ctx, nil, *delivery(s.Chain, key, text)); err != nil {
		return err
	}
	e.cfg.Enqueued()
	return nil
}
