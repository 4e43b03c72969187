package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// testTimeout bounds how long the reply URL may take to answer a test.
const testTimeout = 10 * time.Second

// errNoReplyURL says what a receive-only webhook lacks to pass a test.
var errNoReplyURL = errors.New("no reply URL configured: the channel receives messages but cannot send replies; set settings.url")

// Test proves the reply URL is reachable. A webhook has no credentials to
// check, so any HTTP answer within the timeout passes (a HEAD is refused
// by many receivers, and that still proves the host is there); posting a
// real message would land in the in-house system as one.
func (h *hook) Test(ctx context.Context) error {
	if h.cfg.URL == "" {
		return errNoReplyURL // receive-only is a valid setup: health unchanged
	}
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, h.cfg.URL, nil)
	if err != nil {
		return err
	}
	resp, err := h.env.Client.Do(req)
	if err != nil {
		err = fmt.Errorf("reply URL %s did not answer: %w", h.cfg.URL, err)
		h.noteTest(err)
		return err
	}
	resp.Body.Close()
	h.noteTest(nil)
	return nil
}

// noteTest records a test's outcome: an unreachable reply URL degrades the
// channel until a later test passes.
func (h *hook) noteTest(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.health.State = model.HealthConnected
	if err != nil {
		h.health.State = model.HealthDegraded
		h.health.ErrorCount++
		h.health.LastError = err.Error()
	}
}

var _ channel.Tester = (*hook)(nil)
