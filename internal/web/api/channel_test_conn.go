package api

import (
	"net/http"
	"time"

	"switchboard/internal/model"
)

// channelTestTimeout bounds a "test connection": the admin is waiting on it.
const channelTestTimeout = 15 * time.Second

// channelTestResult is the answer of a test that ran, passed or not: the
// platform's refusal is the result, not an API error.
type channelTestResult struct {
	OK     bool         `json:"ok"`
	Error  string       `json:"error,omitempty"`
	Health model.Health `json:"health"`
}

// testChannel proves a channel's settings with one request to its
// platform (fetching a token, reaching the reply URL) and updates its health.
func (a *API) testChannel(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "channel.test") {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.testChannelAs(r, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func testDetail(res channelTestResult) string {
	if res.OK {
		return "ok"
	}
	return "failed: " + res.Error
}
