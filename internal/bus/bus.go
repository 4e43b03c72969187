// Package bus fans events out to every subscriber on this node (in-process) or
// on every node (NATS). It carries notifications, not durable state: anything
// published is already committed in the store.
package bus

import (
	"context"
	"sync"
	"sync/atomic"

	"switchboard/internal/model"
)

// Event types.
const (
	MessageCreated = "message.created"
	ChannelChanged = "channel.changed"
	RulesChanged   = "rules.changed" // rules were written; nodes reload them from the store
	// Ticket events carry the ticket as committed; status changes also From.
	TicketCreated       = "ticket.created"
	TicketUpdated       = "ticket.updated" // fields changed (not the status)
	TicketStatusChanged = "ticket.status_changed"
)

// Event is one notification. Message is set for message events.
type Event struct {
	Type      string         `json:"type"`
	OrgUnitID int64          `json:"org_unit_id"`
	ChannelID int64          `json:"channel_id,omitempty"`
	Message   *model.Message `json:"message,omitempty"`
	Ticket    *model.Ticket  `json:"ticket,omitempty"`
	From      string         `json:"from,omitempty"` // ticket.status_changed: the previous status
	Node      string         `json:"node,omitempty"`
}

// Bus publishes events and hands them to subscribers.
type Bus interface {
	Publish(ctx context.Context, ev Event) error
	// Subscribe returns a channel of events of the given types (all when
	// none) and a cancel function. A subscriber that falls buffer events
	// behind loses events (counted by Dropped) rather than stalling everyone.
	Subscribe(buffer int, types ...string) (<-chan Event, func())
	Dropped() int64
	Close() error
}

// Local is the in-process bus used by a single node.
type Local struct {
	mu      sync.RWMutex
	subs    map[*sub]struct{}
	dropped atomic.Int64
}

type sub struct {
	ch    chan Event
	types []string
}

func (s *sub) wants(t string) bool {
	if len(s.types) == 0 {
		return true
	}
	for _, x := range s.types {
		if x == t {
			return true
		}
	}
	return false
}

// NewLocal returns an empty in-process bus.
func NewLocal() *Local { return &Local{subs: map[*sub]struct{}{}} }

// Publish delivers ev to every subscriber without blocking.
func (b *Local) Publish(_ context.Context, ev Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if !s.wants(ev.Type) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			b.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe registers a subscriber.
func (b *Local) Subscribe(buffer int, types ...string) (<-chan Event, func()) {
	s := &sub{ch: make(chan Event, buffer), types: types}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
		})
	}
}

// Dropped counts events lost to slow subscribers.
func (b *Local) Dropped() int64 { return b.dropped.Load() }

// Close is a no-op for the in-process bus.
func (b *Local) Close() error { return nil }
