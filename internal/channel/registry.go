package channel

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"switchboard/internal/model"
)

// ChannelSource loads channel rows.
type ChannelSource interface {
	GetChannel(ctx context.Context, id int64) (model.Channel, error)
}

// Registry holds the drivers and the live channel instances of this node.
type Registry struct {
	drivers map[string]Driver
	src     ChannelSource
	env     Env

	mu   sync.Mutex
	live map[int64]*entry
	ctx  context.Context
}

type entry struct {
	row    model.Channel
	ch     Channel
	cancel context.CancelFunc // stops the instance's long connections
}

// NewRegistry builds a registry; ctx bounds the life of started channels.
func NewRegistry(ctx context.Context, src ChannelSource, env Env, drivers ...Driver) *Registry {
	r := &Registry{drivers: map[string]Driver{}, src: src, env: env, live: map[int64]*entry{}, ctx: ctx}
	for _, d := range drivers {
		r.drivers[d.Kind()] = d
	}
	return r
}

// Driver returns the driver of a kind.
func (r *Registry) Driver(kind string) (Driver, bool) {
	d, ok := r.drivers[kind]
	return d, ok
}

// Kinds lists the registered kinds.
func (r *Registry) Kinds() []string {
	out := make([]string, 0, len(r.drivers))
	for k := range r.drivers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Get returns the live instance of a channel, building and starting it on
// first use.
func (r *Registry) Get(ctx context.Context, id int64) (Channel, model.Channel, error) {
	r.mu.Lock()
	if e, ok := r.live[id]; ok {
		r.mu.Unlock()
		return e.ch, e.row, nil
	}
	r.mu.Unlock()
	row, err := r.src.GetChannel(ctx, id)
	if err != nil {
		return nil, row, err
	}
	d, ok := r.drivers[row.Kind]
	if !ok {
		return nil, row, fmt.Errorf("channel %d: no driver for kind %q", id, row.Kind)
	}
	ch, err := d.New(row, r.env)
	if err != nil {
		return nil, row, fmt.Errorf("channel %d: %w", id, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.live[id]; ok { // another request built it meanwhile
		return e.ch, e.row, nil
	}
	ctx, cancel := context.WithCancel(r.ctx)
	if err := ch.Start(ctx, r.env.Sink); err != nil {
		cancel()
		return nil, row, fmt.Errorf("channel %d: start: %w", id, err)
	}
	r.live[id] = &entry{row: row, ch: ch, cancel: cancel}
	return ch, row, nil
}

// Forget stops and drops a cached instance so the next Get reloads its row
// (after an update on this or another node).
func (r *Registry) Forget(id int64) {
	r.mu.Lock()
	e, ok := r.live[id]
	delete(r.live, id)
	r.mu.Unlock()
	if ok {
		e.cancel()
	}
}

// Instance is a started channel and the row it was built from.
type Instance struct {
	Row     model.Channel
	Channel Channel
}

// Live returns a snapshot of the started channels, by id. Metrics read it
// at every scrape, so it never builds or loads anything.
func (r *Registry) Live() []Instance {
	r.mu.Lock()
	out := make([]Instance, 0, len(r.live))
	for _, e := range r.live {
		out = append(out, Instance{Row: e.row, Channel: e.ch})
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Row.ID < out[j].Row.ID })
	return out
}
