package api

import "net/http"

// getMyAvailability answers the caller's own assignment state; a user who
// is no agent gets {"agent": false}, not a denial, so any page may ask.
func (a *API) getMyAvailability(w http.ResponseWriter, r *http.Request) {
	st, err := a.tickets.Availability(r.Context(), caller(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
