package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

func writeEvent(w http.ResponseWriter, m *model.Message) {
	b, _ := json.Marshal(m)
	fmt.Fprintf(w, "id: %d\nevent: message\ndata: %s\n\n", m.ID, b)
}

func lastEventID(r *http.Request) int64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	id, _ := strconv.ParseInt(v, 10, 64)
	return max(id, 0)
}

// replay sends what a reconnecting client missed (messages after its
// Last-Event-ID, in scope, at most 1,000) and returns the highest id sent,
// so the live stream does not repeat them. The client subscribed first, so
// nothing falls between the replay and the stream.
func (a *API) replay(w http.ResponseWriter, r *http.Request, after int64) int64 {
	if after == 0 {
		return 0
	}
	p := principal(r)
	for range 10 {
		ms, err := a.Store.ListMessages(r.Context(), p.Scope, store.MessageFilter{After: after, Limit: 100, ViewerID: p.User.ID})
		if err != nil {
			a.Log.Warn("events: replay", "err", err)
			return after
		}
		for i := range ms {
			writeEvent(w, &ms[i])
			after = ms[i].ID
		}
		if len(ms) < 100 {
			break
		}
	}
	return after
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// visibleUnits expands a scope into the set of unit ids it covers; nil means all.
func (a *API) visibleUnits(r *http.Request, s store.Scope) (map[int64]bool, error) {
	return a.expandUnits(r, s.All, s.Units)
}

// expandUnits returns the ids in the subtrees of units; nil when all is set.
func (a *API) expandUnits(r *http.Request, all bool, units []int64) (map[int64]bool, error) {
	if all {
		return nil, nil
	}
	set := map[int64]bool{}
	for _, u := range units {
		sub, err := a.Store.Subtree(r.Context(), u)
		if err != nil {
			return nil, err
		}
		for _, id := range sub {
			set[id] = true
		}
	}
	return set, nil
}

// events streams new messages and ticket changes the caller may see as
// Server-Sent Events.
func (a *API) events(w http.ResponseWriter, r *http.Request) {
	scope := principal(r).Scope
	units, err := a.visibleUnits(r, scope)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	secret, err := a.expandUnits(r, scope.All, scope.Secret)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	viewer, err := a.ticketViewer(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	evs, cancel := a.Bus.Subscribe(4096, append([]string{bus.MessageCreated}, ticketEvents...)...)
	defer cancel()
	a.Metrics.SSEClients.Inc()
	defer a.Metrics.SSEClients.Dec()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\nretry: 2000\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	sent := a.replay(w, r, lastEventID(r))
	if err := rc.Flush(); err != nil {
		return
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case ev := <-evs:
			if ev.Ticket != nil {
				if !viewer.sees(ev.Ticket) {
					continue
				}
				_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
				writeTicketEvent(w, ev)
				break
			}
			if ev.Type != bus.MessageCreated || ev.Message == nil || (units != nil && !units[ev.OrgUnitID]) || ev.Message.ID <= sent {
				continue
			}
			if ev.Message.Confidential && secret != nil && !secret[ev.OrgUnitID] {
				continue // confidential outside the caller's Secret units
			}
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			writeEvent(w, ev.Message)
		}
		// One commit publishes a whole batch at once: write the events still
		// queued before flushing, so a busy stream costs one write per batch
		// rather than one per message (the buffer flushes itself when full).
		if len(evs) > 0 {
			continue
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
