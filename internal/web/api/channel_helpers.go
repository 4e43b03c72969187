package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// ChannelView is a channel as the API and the console show it: never its secrets.
type ChannelView = channelView

// ChannelTestResult is the outcome of a "test connection".
type ChannelTestResult = channelTestResult

// ChannelChange is a partial update of a channel; nil fields stay as they
// are, and Settings keys not named stay as stored.
type ChannelChange struct {
	Name      *string           `json:"name"`
	OrgUnitID *int64            `json:"org_unit_id"`
	Enabled   *bool             `json:"enabled"`
	Settings  map[string]string `json:"settings"`
}

// ListChannels returns the channels in the caller's scope, as GET
// /api/v1/channels does. The console uses it too.
func (a *API) ListChannels(r *http.Request) ([]ChannelView, error) {
	chs, err := a.Store.ListChannels(r.Context(), principal(r).Scope)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelView, len(chs))
	for i, c := range chs {
		out[i] = a.view(r.Context(), c)
	}
	return out, nil
}

// GetChannel returns one channel if it lies in the caller's scope; a
// channel of another department is refused and the refusal audited.
func (a *API) GetChannel(r *http.Request, id int64) (ChannelView, error) {
	c, err := a.scopedChannel(r, id)
	if err != nil {
		return ChannelView{}, err
	}
	return a.view(r.Context(), c), nil
}

func (a *API) scopedChannel(r *http.Request, id int64) (model.Channel, error) {
	c, err := a.Store.GetChannel(r.Context(), id)
	if err != nil {
		return c, err
	}
	ok, err := a.inScope(r.Context(), principal(r).Scope, c.OrgUnitID)
	if err != nil {
		return c, err
	}
	if !ok {
		a.Audit.Deny(r, "channel.read", "channel:"+strconv.FormatInt(id, 10), "outside the caller's org units")
		return c, errcode.Forbidden.With("channel %d belongs to another department", id)
	}
	return c, nil
}

// AddChannel creates a channel for an admin. The view's Secret holds a
// generated secret, to show once. The console uses it too.
func (a *API) AddChannel(r *http.Request, kind, name string, unit int64, settings map[string]string) (ChannelView, error) {
	if err := a.adminOnly(r, "channel.create"); err != nil {
		return ChannelView{}, err
	}
	return a.addChannel(r, kind, name, unit, settings)
}

// addChannel is AddChannel after the admin check.
func (a *API) addChannel(r *http.Request, kind, name string, unit int64, settings map[string]string) (ChannelView, error) {
	c, reveal, err := CreateChannel(r.Context(), a.Store, a.Channels, kind, name, unit, settings)
	if err != nil {
		return ChannelView{}, err
	}
	// Every node opens the new channel's long connections, if it has any.
	_ = a.Bus.Publish(r.Context(), bus.Event{Type: bus.ChannelChanged, ChannelID: c.ID, OrgUnitID: c.OrgUnitID})
	a.Audit.Record(r, "channel.create", "channel:"+strconv.FormatInt(c.ID, 10), true, c.Kind+" "+c.Name)
	v := a.view(r.Context(), c)
	v.Secret = reveal["secret"]
	return v, nil
}

// ChangeChannel applies an admin's update, rebuilds the live channel and
// tells the other nodes. The console uses it too.
func (a *API) ChangeChannel(r *http.Request, id int64, ch ChannelChange) (ChannelView, error) {
	if err := a.adminOnly(r, "channel.update"); err != nil {
		return ChannelView{}, err
	}
	return a.changeChannel(r, id, ch)
}

// changeChannel is ChangeChannel after the admin check.
func (a *API) changeChannel(r *http.Request, id int64, ch ChannelChange) (ChannelView, error) {
	c, err := a.scopedChannel(r, id)
	if err != nil {
		return ChannelView{}, err
	}
	if err := a.applyChannelUpdate(r.Context(), &c, ch.Name, ch.OrgUnitID, ch.Enabled, ch.Settings); err != nil {
		return ChannelView{}, err
	}
	if c, err = a.Store.UpdateChannel(r.Context(), c); err != nil {
		return ChannelView{}, err
	}
	a.Channels.Forget(c.ID)
	_ = a.Bus.Publish(r.Context(), bus.Event{Type: bus.ChannelChanged, ChannelID: c.ID, OrgUnitID: c.OrgUnitID})
	a.Audit.Record(r, "channel.update", "channel:"+strconv.FormatInt(c.ID, 10), true, "")
	return a.view(r.Context(), c), nil
}

// TestChannel runs an admin's "test connection" on one channel. The
// platform's refusal is the result (OK false, Error its message), not an
// error. The console uses it too.
func (a *API) TestChannel(r *http.Request, id int64) (ChannelTestResult, error) {
	if err := a.adminOnly(r, "channel.test"); err != nil {
		return ChannelTestResult{}, err
	}
	return a.testChannelAs(r, id)
}

// testChannelAs is TestChannel after the admin check.
func (a *API) testChannelAs(r *http.Request, id int64) (ChannelTestResult, error) {
	c, err := a.scopedChannel(r, id)
	if err != nil {
		return ChannelTestResult{}, err
	}
	ch, _, err := a.Channels.Get(r.Context(), c.ID)
	if err != nil {
		return ChannelTestResult{}, err
	}
	t, ok := ch.(channel.Tester)
	if !ok {
		return ChannelTestResult{}, errcode.Unsupported.With("%s channels have no connection test", c.Kind)
	}
	ctx, cancel := context.WithTimeout(r.Context(), channelTestTimeout)
	defer cancel()
	res := channelTestResult{OK: true}
	if err := t.Test(ctx); err != nil {
		// "permanent failure" is the outbox's business, not the admin's.
		res.OK, res.Error = false, strings.TrimPrefix(err.Error(), channel.ErrPermanent.Error()+": ")
	}
	a.Audit.Record(r, "channel.test", "channel:"+strconv.FormatInt(c.ID, 10), true, testDetail(res))
	res.Health = a.view(r.Context(), c).Health
	return res, nil
}
