package loadgen_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/loadgen"
)

// recorder is a stand-in node that answers 202 and remembers the external
// ids and paths it was sent.
type recorder struct {
	mu    sync.Mutex
	ids   []string
	paths map[string]int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(req.Body).Decode(&body)
	r.mu.Lock()
	r.ids = append(r.ids, body.ID)
	r.paths[req.URL.Path]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func TestRunSpreadsMessagesRoundRobinOverBaseURLs(t *testing.T) {
	recs := make([]*recorder, 3)
	urls := make([]string, 3)
	for k := range recs {
		recs[k] = &recorder{paths: map[string]int{}}
		srv := httptest.NewServer(recs[k])
		t.Cleanup(srv.Close)
		urls[k] = srv.URL + "/"
	}
	cfg := loadgen.Config{BaseURLs: urls, ChannelID: 7, Secret: "s", N: 30, Concurrency: 4, Prefix: "rr"}
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil || res.OK.Load() != 30 {
		t.Fatalf("ok %d, err %v; want 30 acknowledged", res.OK.Load(), err)
	}
	for k, r := range recs {
		if len(r.ids) != 10 || r.paths["/hooks/webhook/7"] != 10 {
			t.Errorf("node %d got %d messages, paths %v; want 10 on /hooks/webhook/7", k, len(r.ids), r.paths)
		}
		for _, id := range r.ids {
			if i := atoiSuffix(t, id); i%3 != k {
				t.Errorf("node %d got %s, want message numbers ≡ %d mod 3", k, id, k)
			}
		}
	}
	if cfg.BaseURLs[0] != urls[0] {
		t.Error("Run changed the caller's BaseURLs")
	}
}

// atoiSuffix is the message number of an external id ("rr-12" → 12).
func atoiSuffix(t *testing.T, id string) int {
	t.Helper()
	_, num, _ := strings.Cut(id, "-")
	n, err := strconv.Atoi(num)
	if err != nil {
		t.Fatalf("external id %q: %v", id, err)
	}
	return n
}
