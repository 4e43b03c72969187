package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// channelView is a channel as the API shows it: never its secrets.
type channelView struct {
	model.Channel
	CallbackURL string            `json:"callback_url"`
	Health      model.Health      `json:"health"`
	Settings    map[string]string `json:"settings"`
	Secret      string            `json:"secret,omitempty"` // only in the create answer
}

// publicSettings are config keys safe to show; everything else is secret.
var publicSettings = []string{"url", "mode", "app_id", "app_key", "robot_code", "base_url", "oapi_base_url", "send_as", "reply_in_thread"}

func (a *API) view(ctx context.Context, c model.Channel) channelView {
	v := channelView{Channel: c, CallbackURL: fmt.Sprintf("%s/hooks/%s/%d", a.PublicURL, c.Kind, c.ID),
		Health: model.Health{State: model.HealthUnknown}, Settings: map[string]string{}}
	var cfg map[string]any
	_ = json.Unmarshal(c.Config, &cfg)
	for k, val := range cfg {
		if slices.Contains(publicSettings, k) {
			v.Settings[k] = fmt.Sprint(val)
		}
	}
	if ch, _, err := a.Channels.Get(ctx, c.ID); err == nil {
		v.Health = ch.Health()
	}
	v.Health = a.EffectiveHealth(c, v.Health)
	return v
}

// EffectiveHealth is a channel's health as the console shows it and the
// metrics export it: the adapter's own view h, overridden by the outbox
// (sends failing in a row: degraded; an open breaker: down) and by the
// channel being disabled.
func (a *API) EffectiveHealth(c model.Channel, h model.Health) model.Health {
	if b, ok := a.Outbox.(breakerState); ok {
		switch b.ChannelState(c.ID) {
		case "degraded":
			h.State = model.HealthDegraded
		case "down":
			h.State = model.HealthDown
		}
	}
	if !c.Enabled {
		h.State = model.HealthDown
	}
	return h
}

// inScope reports whether unit lies in the caller's scope.
func (a *API) inScope(ctx context.Context, s store.Scope, unit int64) (bool, error) {
	if s.All {
		return true, nil
	}
	for _, u := range s.Units {
		sub, err := a.Store.Subtree(ctx, u)
		if err != nil {
			return false, err
		}
		if slices.Contains(sub, unit) {
			return true, nil
		}
	}
	return false, nil
}

func (a *API) listChannels(w http.ResponseWriter, r *http.Request) {
	chs, err := a.Store.ListChannels(r.Context(), principal(r).Scope)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]channelView, len(chs))
	for i, c := range chs {
		out[i] = a.view(r.Context(), c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type createChannelRequest struct {
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	OrgUnitID int64             `json:"org_unit_id"`
	Settings  map[string]string `json:"settings"`
}

func (a *API) createChannel(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "channel.create") {
		return
	}
	var req createChannelRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	c, reveal, err := CreateChannel(r.Context(), a.Store, a.Channels, req.Kind, req.Name, req.OrgUnitID, req.Settings)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// Every node opens the new channel's long connections, if it has any.
	_ = a.Bus.Publish(r.Context(), bus.Event{Type: bus.ChannelChanged, ChannelID: c.ID, OrgUnitID: c.OrgUnitID})
	a.Audit.Record(r, "channel.create", "channel:"+strconv.FormatInt(c.ID, 10), true, c.Kind+" "+c.Name)
	v := a.view(r.Context(), c)
	v.Secret = reveal["secret"]
	writeJSON(w, http.StatusCreated, v)
}

// CreateChannel validates and stores a new channel; reveal holds generated
// secrets to show once. The CLI uses it too.
func CreateChannel(ctx context.Context, st store.Store, reg *channel.Registry, kind, name string, unit int64, settings map[string]string) (model.Channel, map[string]string, error) {
	drv, ok := reg.Driver(kind)
	if !ok {
		return model.Channel{}, nil, errcode.InvalidRequest.With("kind %q: want one of %v", kind, reg.Kinds())
	}
	if name == "" || unit == 0 {
		return model.Channel{}, nil, errcode.MissingField.With("name and org_unit_id")
	}
	if _, err := st.GetOrgUnit(ctx, unit); err != nil {
		return model.Channel{}, nil, errcode.InvalidRequest.With("org unit %d does not exist", unit)
	}
	if settings == nil {
		settings = map[string]string{}
	}
	cfg, reveal, err := drv.Prepare(settings)
	if err != nil {
		return model.Channel{}, nil, err
	}
	c, err := st.CreateChannel(ctx, model.Channel{Kind: kind, Name: name, OrgUnitID: unit, Config: cfg, Enabled: true})
	return c, reveal, err
}

func (a *API) channelInScope(w http.ResponseWriter, r *http.Request) (model.Channel, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return model.Channel{}, false
	}
	c, err := a.Store.GetChannel(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return c, false
	}
	ok, err := a.inScope(r.Context(), principal(r).Scope, c.OrgUnitID)
	if err != nil {
		a.fail(w, r, err)
		return c, false
	}
	if !ok {
		a.Audit.Deny(r, "channel.read", "channel:"+strconv.FormatInt(id, 10), "outside the caller's org units")
		a.fail(w, r, errcode.Forbidden.With("channel %d belongs to another department", id))
		return c, false
	}
	return c, true
}

func (a *API) getChannel(w http.ResponseWriter, r *http.Request) {
	if c, ok := a.channelInScope(w, r); ok {
		writeJSON(w, http.StatusOK, a.view(r.Context(), c))
	}
}

func (a *API) updateChannel(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "channel.update") {
		return
	}
	c, ok := a.channelInScope(w, r)
	if !ok {
		return
	}
	var req struct {
		Name      *string           `json:"name"`
		OrgUnitID *int64            `json:"org_unit_id"`
		Enabled   *bool             `json:"enabled"`
		Settings  map[string]string `json:"settings"`
	}
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.applyChannelUpdate(r.Context(), &c, req.Name, req.OrgUnitID, req.Enabled, req.Settings); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Store.UpdateChannel(r.Context(), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Channels.Forget(c.ID)
	_ = a.Bus.Publish(r.Context(), bus.Event{Type: bus.ChannelChanged, ChannelID: c.ID, OrgUnitID: c.OrgUnitID})
	a.Audit.Record(r, "channel.update", "channel:"+strconv.FormatInt(c.ID, 10), true, "")
	writeJSON(w, http.StatusOK, a.view(r.Context(), c))
}

func (a *API) applyChannelUpdate(ctx context.Context, c *model.Channel, name *string, unit *int64, enabled *bool, settings map[string]string) error {
	if name != nil {
		c.Name = *name
	}
	if unit != nil {
		if _, err := a.Store.GetOrgUnit(ctx, *unit); err != nil {
			return errcode.InvalidRequest.With("org unit %d does not exist", *unit)
		}
		c.OrgUnitID = *unit
	}
	if enabled != nil {
		c.Enabled = *enabled
	}
	if settings == nil {
		return nil
	}
	merged := map[string]string{}
	var cur map[string]any
	_ = json.Unmarshal(c.Config, &cur)
	for k, v := range cur {
		merged[k] = fmt.Sprint(v)
	}
	for k, v := range settings {
		merged[k] = v
	}
	drv, _ := a.Channels.Driver(c.Kind)
	cfg, _, err := drv.Prepare(merged)
	if err != nil {
		return err
	}
	c.Config = cfg
	return nil
}

func (a *API) deleteChannel(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "channel.delete") {
		return
	}
	c, ok := a.channelInScope(w, r)
	if !ok {
		return
	}
	if err := a.Store.DeleteChannel(r.Context(), c.ID); err != nil {
		a.fail(w, r, err)
		return
	}
	a.Channels.Forget(c.ID)
	_ = a.Bus.Publish(r.Context(), bus.Event{Type: bus.ChannelChanged, ChannelID: c.ID, OrgUnitID: c.OrgUnitID})
	a.Audit.Record(r, "channel.delete", "channel:"+strconv.FormatInt(c.ID, 10), true, c.Name)
	w.WriteHeader(http.StatusNoContent)
}
