package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/channel"
	"switchboard/internal/errcode"
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
	c, ok := a.channelInScope(w, r)
	if !ok {
		return
	}
	ch, _, err := a.Channels.Get(r.Context(), c.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, ok := ch.(channel.Tester)
	if !ok {
		a.fail(w, r, errcode.Unsupported.With("%s channels have no connection test", c.Kind))
		return
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
	writeJSON(w, http.StatusOK, res)
}

func testDetail(res channelTestResult) string {
	if res.OK {
		return "ok"
	}
	return "failed: " + res.Error
}
