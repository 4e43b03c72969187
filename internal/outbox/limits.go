package outbox

import (
	"sync"
	"time"
)

// Limit is one rate a platform documents: at most Burst sends at once and
// one more every Every after that (a token bucket).
type Limit struct {
	Every time.Duration
	Burst int
}

// Limits are what a platform allows one destination (a user or group) and
// one channel instance (an app) to receive; every limit must hold.
type Limits struct {
	Destination []Limit
	Channel     []Limit
}

// PlatformLimits are the documented send limits per channel kind (see
// shared/reference/platform-protocols.md). WeCom drops messages over its
// per-member limits silently, so staying under them is the only way to
// know a message arrived. Kinds not listed (webhook, email, sms) are not
// limited here.
var PlatformLimits = map[string]Limits{
	"feishu": {
		Destination: []Limit{{Every: 200 * time.Millisecond, Burst: 5}}, // 5 QPS per user and per group
		Channel:     []Limit{{Every: 20 * time.Millisecond, Burst: 50}, {Every: 60 * time.Millisecond, Burst: 1000}},
	},
	"wecom": {
		Destination: []Limit{{Every: 2 * time.Second, Burst: 30}, {Every: 3600 * time.Millisecond, Burst: 1000}}, // 30/min, 1000/h per member
		Channel:     []Limit{{Every: 6 * time.Millisecond, Burst: 10000}},                                        // 10 000/min per API
	},
	"dingtalk": {
		Destination: []Limit{{Every: 3 * time.Second, Burst: 20}}, // robots: 20/min
		Channel:     []Limit{{Every: 50 * time.Millisecond, Burst: 20}},
	},
	"slack": {
		Destination: []Limit{{Every: time.Second, Burst: 3}}, // chat.postMessage ≈ 1/s per channel, short bursts
	},
}

// limiter holds the token buckets of every destination and channel seen.
type limiter struct {
	limits map[string]Limits
	mu     sync.Mutex
	by     map[limitKey][]bucket
	nodes  int // how many nodes share each limit (see SetNodes)
}

type limitKey struct {
	channel     int64
	destination string // "" for the channel-wide buckets
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(limits map[string]Limits) *limiter {
	return &limiter{limits: limits, by: map[limitKey][]bucket{}}
}

// take spends one send for (channel, destination) of kind at now if every
// bucket allows it, and otherwise reports how long to wait; a refused send
// spends nothing.
func (l *limiter) take(kind string, channel int64, destination string, now time.Time) time.Duration {
	lim, ok := l.limits[kind]
	if !ok {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim = Limits{Destination: l.share(lim.Destination), Channel: l.share(lim.Channel)}
	dk, ck := limitKey{channel, destination}, limitKey{channel, ""}
	dest, chn := l.refill(dk, lim.Destination, now), l.refill(ck, lim.Channel, now)
	wait := max(waitFor(dest, lim.Destination), waitFor(chn, lim.Channel))
	if wait > 0 {
		return wait
	}
	for i := range dest {
		dest[i].tokens--
	}
	for i := range chn {
		chn[i].tokens--
	}
	return 0
}

// refill brings key's buckets up to now.
func (l *limiter) refill(key limitKey, limits []Limit, now time.Time) []bucket {
	bs, ok := l.by[key]
	if !ok {
		bs = make([]bucket, len(limits))
		for i, lim := range limits {
			bs[i] = bucket{tokens: float64(lim.Burst), at: now}
		}
		l.by[key] = bs
	}
	for i, lim := range limits {
		gained := float64(now.Sub(bs[i].at)) / float64(lim.Every)
		bs[i].tokens, bs[i].at = min(float64(lim.Burst), bs[i].tokens+gained), now
	}
	return bs
}

// waitFor is how long until every bucket holds a whole token.
func waitFor(bs []bucket, limits []Limit) time.Duration {
	var wait time.Duration
	for i, b := range bs {
		if b.tokens < 1 {
			wait = max(wait, time.Duration((1-b.tokens)*float64(limits[i].Every))+time.Millisecond)
		}
	}
	return wait
}
