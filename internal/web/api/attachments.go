package api

import (
	"net/http"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// platformReference reports whether m's attachments are references that
// its channel fetches with the app's credentials (rather than public URLs).
func (a *API) platformReference(r *http.Request, m model.Message) bool {
	if a.Channels == nil {
		return false
	}
	ch, _, err := a.Channels.Get(r.Context(), m.ChannelID)
	if err != nil {
		return false
	}
	_, ok := ch.(channel.Fetcher)
	return ok
}
