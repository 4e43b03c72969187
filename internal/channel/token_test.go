package channel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenCacheRefreshesBeforeExpiryAndOnInvalidate(t *testing.T) {
	now := time.Now()
	var fetches atomic.Int32
	c := &TokenCache{Margin: 5 * time.Minute, Now: func() time.Time { return now },
		Fetch: func(context.Context) (string, time.Duration, error) {
			return fmt.Sprintf("tok-%d", fetches.Add(1)), 2 * time.Hour, nil
		}}
	get := func() string {
		tok, err := c.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if a, b := get(), get(); a != "tok-1" || b != "tok-1" {
		t.Fatalf("not cached: %s %s", a, b)
	}
	now = now.Add(2*time.Hour - 4*time.Minute) // inside the margin
	if tok := get(); tok != "tok-2" {
		t.Fatalf("not refreshed before expiry: %s", tok)
	}
	c.Invalidate("tok-1") // stale: a concurrent refresh already replaced it
	if tok := get(); tok != "tok-2" {
		t.Fatalf("invalidating an old token dropped the new one: %s", tok)
	}
	c.Invalidate("tok-2")
	if tok := get(); tok != "tok-3" || fetches.Load() != 3 {
		t.Fatalf("after Invalidate: %s, %d fetches", tok, fetches.Load())
	}
}

func TestTokenCacheSharesOneFetch(t *testing.T) {
	var fetches atomic.Int32
	c := &TokenCache{Margin: time.Minute, Now: time.Now, Fetch: func(context.Context) (string, time.Duration, error) {
		fetches.Add(1)
		time.Sleep(50 * time.Millisecond)
		return "tok", time.Hour, nil
	}}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if tok, err := c.Get(context.Background()); tok != "tok" || err != nil {
				t.Errorf("Get = %q %v", tok, err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for 16 concurrent Gets", n)
	}
}

func TestTokenCacheDoesNotKeepErrors(t *testing.T) {
	fail := errors.New("platform down")
	var fetches atomic.Int32
	c := &TokenCache{Margin: time.Minute, Now: time.Now, Fetch: func(context.Context) (string, time.Duration, error) {
		if fetches.Add(1) == 1 {
			return "", 0, fail
		}
		return "tok", 30 * time.Second, nil // short-lived: used for half its life
	}}
	if _, err := c.Get(context.Background()); !errors.Is(err, fail) {
		t.Fatalf("first Get: %v", err)
	}
	if tok, err := c.Get(context.Background()); tok != "tok" || err != nil || fetches.Load() != 2 {
		t.Errorf("after a failed fetch: %q %v, %d fetches", tok, err, fetches.Load())
	}
}
