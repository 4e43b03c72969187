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
	s.UserID = id
	if s.Chain == nil {
		s.Chain = []model.NotifyHop{}
	}
	if s.Highlights == nil {
		s.Highlights = []string{}
	}
	if err := notify.ValidateSettings(s); err != nil {
		a.fail(w, r, errcode.InvalidRequest.With("%v", err))
		return
	}
	for i, hop := range s.Chain {
		if _, err := a.Store.GetChannel(r.Context(), hop.ChannelID); err != nil {
			a.fail(w, r, errcode.InvalidRequest.With("chain[%d]: channel %d does not exist", i, hop.ChannelID))
			return
		}
	}
	if _, err := a.Store.GetUser(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.Store.SetNotifySettings(r.Context(), s); err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "notify_settings.update", "user:"+strconv.FormatInt(id, 10), true, "")
	writeJSON(w, http.StatusOK, s)
}

// notificationView is a notification with the path its deliveries took.
type notificationView struct {
	model.Notification
	Deliveries []model.Delivery `json:"deliveries"`
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ns, err := a.Store.ListNotifications(r.Context(), principal(r).User.ID, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]notificationView, len(ns))
	for i, n := range ns {
		ds, err := a.Store.NotificationDeliveries(r.Context(), n.ID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out[i] = notificationView{Notification: n, Deliveries: ds}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
