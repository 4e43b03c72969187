package api

import (
	"net/http"
	"strconv"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/notify"
)

// settingsUser is whose notification settings a request is about: the
// caller's own (/me/…) or, for admins, any user's (/users/{id}/…).
func (a *API) settingsUser(w http.ResponseWriter, r *http.Request, action string) (int64, bool) {
	if r.PathValue("id") == "" {
		return principal(r).User.ID, true
	}
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return 0, false
	}
	if id != principal(r).User.ID && !a.requireAdmin(w, r, action) {
		return 0, false
	}
	return id, true
}

func (a *API) getNotifySettings(w http.ResponseWriter, r *http.Request) {
	id, ok := a.settingsUser(w, r, "notify_settings.read")
	if !ok {
		return
	}
	s, err := a.Store.NotifySettings(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// MyNotifySettings returns the caller's own notification settings. The
// console uses it too.
func (a *API) MyNotifySettings(r *http.Request) (model.NotifySettings, error) {
	return a.Store.NotifySettings(r.Context(), principal(r).User.ID)
}

func (a *API) putNotifySettings(w http.ResponseWriter, r *http.Request) {
	id, ok := a.settingsUser(w, r, "notify_settings.update")
	if !ok {
		return
	}
	var s model.NotifySettings
	if err := decode(r, &s); err != nil {
		a.fail(w, r, err)
		return
	}
	s, err := a.saveNotifySettings(r, id, s)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// SetMyNotifySettings validates s and stores it as the caller's own
// settings; a refusal is errcode.InvalidRequest and stores nothing. The
// console uses it too.
func (a *API) SetMyNotifySettings(r *http.Request, s model.NotifySettings) (model.NotifySettings, error) {
	return a.saveNotifySettings(r, principal(r).User.ID, s)
}

// saveNotifySettings stores s for user id, whom the caller was already
// allowed to change.
func (a *API) saveNotifySettings(r *http.Request, id int64, s model.NotifySettings) (model.NotifySettings, error) {
	s.UserID = id
	if s.Chain == nil {
		s.Chain = []model.NotifyHop{}
	}
	if s.Highlights == nil {
		s.Highlights = []string{}
	}
	if err := notify.ValidateSettings(s); err != nil {
		return s, errcode.InvalidRequest.With("%v", err)
	}
	for i, hop := range s.Chain {
		ch, err := a.Store.GetChannel(r.Context(), hop.ChannelID)
		if err != nil {
			return s, errcode.InvalidRequest.With("chain[%d]: channel %d does not exist", i, hop.ChannelID)
		}
		// Only channels the caller may see: a hand-made request must not
		// route through another department's channel.
		if ok, err := a.inScope(r.Context(), principal(r).Scope, ch.OrgUnitID); err != nil || !ok {
			return s, errcode.InvalidRequest.With("chain[%d]: channel %d does not exist", i, hop.ChannelID)
		}
	}
	if _, err := a.Store.GetUser(r.Context(), id); err != nil {
		return s, err
	}
	if err := a.Store.SetNotifySettings(r.Context(), s); err != nil {
		return s, err
	}
	a.Audit.Record(r, "notify_settings.update", "user:"+strconv.FormatInt(id, 10), true, "")
	return s, nil
}

// NotificationView is a notification with the path its deliveries took.
type NotificationView struct {
	model.Notification
	Deliveries []model.Delivery `json:"deliveries"`
}

// MyNotifications returns the caller's notifications, newest first, each
// with its deliveries in the order they were made. The console uses it too.
func (a *API) MyNotifications(r *http.Request, limit int) ([]NotificationView, error) {
	ns, err := a.Store.ListNotifications(r.Context(), principal(r).User.ID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]NotificationView, len(ns))
	for i, n := range ns {
		ds, err := a.Store.NotificationDeliveries(r.Context(), n.ID)
		if err != nil {
			return nil, err
		}
		out[i] = NotificationView{Notification: n, Deliveries: ds}
	}
	return out, nil
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	out, err := a.MyNotifications(r, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
