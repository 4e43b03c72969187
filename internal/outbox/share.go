package outbox

import "time"

// SetNodes tells the dispatcher how many nodes send through the same
// platforms. Each node then keeps to 1/n of every documented limit, so the
// cluster together stays under it (the buckets are per node, in memory);
// a node alone, or an unknown count (n < 1), uses the whole limit.
func (d *Dispatcher) SetNodes(n int) { d.limiter.setNodes(n) }

func (l *limiter) setNodes(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nodes = max(n, 1)
}

// share is this node's part of lim when l.nodes nodes share it: the same
// rate divided by the node count, and the burst too, but at least one.
func (l *limiter) share(lim []Limit) []Limit {
	if l.nodes <= 1 {
		return lim
	}
	out := make([]Limit, len(lim))
	for i, x := range lim {
		out[i] = Limit{Every: x.Every * time.Duration(l.nodes), Burst: max(1, x.Burst/l.nodes)}
	}
	return out
}
