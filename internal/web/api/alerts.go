package api

import (
	"net/http"
	"strconv"
)

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "alert.list") {
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	alerts, err := a.Store.ListAlerts(r.Context(), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": alerts})
}
