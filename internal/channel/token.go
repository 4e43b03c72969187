package channel

import (
	"context"
	"sync"
	"time"
)

// TokenCache holds one platform access token (a Feishu tenant token, a
// DingTalk or WeCom access token). Concurrent sends that find it missing
// share one fetch instead of each asking the platform, and the lock is
// never held across the request.
type TokenCache struct {
	// Fetch asks the platform for a token and how long it lives.
	Fetch func(ctx context.Context) (string, time.Duration, error)
	Now   func() time.Time
	// Margin is how long before its expiry a token is replaced, so that a
	// send never races the expiry. A token living under twice the margin
	// is used for half its life instead.
	Margin time.Duration

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	inflight  *tokenFetch
}

type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// Get returns a token good for now, fetching one if needed.
func (t *TokenCache) Get(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" && t.Now().Before(t.refreshAt) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	f := t.inflight
	leader := f == nil
	if leader {
		f = &tokenFetch{done: make(chan struct{})}
		t.inflight = f
	}
	t.mu.Unlock()
	if !leader {
		select {
		case <-f.done:
			return f.token, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	tok, ttl, err := t.Fetch(ctx)
	t.mu.Lock()
	if err == nil {
		t.token, t.refreshAt = tok, t.Now().Add(ttl-min(t.Margin, ttl/2))
	}
	t.inflight = nil
	t.mu.Unlock()
	f.token, f.err = tok, err
	close(f.done)
	return tok, err
}

// Invalidate drops tok after the platform called it invalid, unless a
// concurrent send has already replaced it.
func (t *TokenCache) Invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token = ""
	}
}
