package dingtalk

import (
	"sync"
	"time"
)

// maxRoutes bounds the conversations remembered per channel.
const maxRoutes = 50_000

// webhookMargin: a sessionWebhook is not used in its last minute, so a
// reply never races its expiry.
const webhookMargin = time.Minute

// persistEvery: a route is written to the store when it changes, or when
// its webhook's expiry has moved on this much since it was last written —
// not at every message, which would cost a write per callback.
const persistEvery = 10 * time.Minute

// route is what a callback taught about reaching a conversation: its
// sessionWebhook while valid, and afterwards the proactive API to use.
type route struct {
	group   bool   // conversationType "2"
	staffID string // single chats: the user's staffId, for oToMessages/batchSend
	webhook string
	expires time.Time
	saved   time.Time // the expiry last written to the store
}

// routes remembers, per conversationId, how to reach it: in memory, and
// through the store (persist.go) for a restarted node or another node of
// the cluster.
type routes struct {
	mu  sync.Mutex
	now func() time.Time
	max int
	m   map[string]route
}

func newRoutes(max int, now func() time.Time) *routes {
	return &routes{now: now, max: max, m: map[string]route{}}
}

// note records a conversation's route from a callback. A retried older
// push carries an older webhook, so the one expiring last is kept. It
// returns the route kept and whether it is worth writing to the store
// (see persistEvery), counting it as written if so.
func (r *routes) note(conv string, rt route) (route, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, known := r.m[conv]
	if known && old.expires.After(rt.expires) {
		rt.webhook, rt.expires = old.webhook, old.expires
	}
	persist := !known || old.webhook != rt.webhook || old.group != rt.group || old.staffID != rt.staffID ||
		rt.expires.Sub(old.saved) >= persistEvery
	rt.saved = old.saved
	if persist {
		rt.saved = rt.expires
	}
	r.put(conv, rt, known)
	return rt, persist
}

// loaded records a route read from the store, unless a newer one is known.
func (r *routes) loaded(conv string, rt route) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, known := r.m[conv]
	if known && !rt.expires.After(old.expires) {
		return
	}
	rt.saved = rt.expires
	r.put(conv, rt, known)
}

// put stores a route, making room first. Callers hold r.mu.
func (r *routes) put(conv string, rt route, known bool) {
	if !known && len(r.m) >= r.max {
		r.evict()
	}
	r.m[conv] = rt
}

// evict makes room: first conversations whose webhook has expired, then,
// if all are live, an arbitrary tenth. Callers hold r.mu.
func (r *routes) evict() {
	now := r.now()
	for k, rt := range r.m {
		if !now.Before(rt.expires) {
			delete(r.m, k)
		}
	}
	for k := range r.m {
		if len(r.m) < r.max-r.max/10 {
			break
		}
		delete(r.m, k)
	}
}

// get returns what is known of a conversation, and whether its webhook
// may still be used.
func (r *routes) get(conv string) (rt route, known, live bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt, known = r.m[conv]
	live = known && rt.webhook != "" && r.now().Add(webhookMargin).Before(rt.expires)
	return rt, known, live
}

// dropWebhook forgets a webhook DingTalk refused, unless a newer one
// replaced it meanwhile.
func (r *routes) dropWebhook(conv, webhook string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rt, ok := r.m[conv]; ok && rt.webhook == webhook {
		rt.webhook, rt.expires = "", time.Time{}
		r.m[conv] = rt
	}
}
