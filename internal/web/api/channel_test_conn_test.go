package api_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
	simfeishu "switchboard/internal/simulator/feishu"
)

type testAnswer struct {
	OK     bool         `json:"ok"`
	Error  string       `json:"error"`
	Health model.Health `json:"health"`
}

// The console's "test connection" proves each kind's settings against the
// platform (the simulators here) and leaves the result in the channel's
// health; a refusal is a result (200, ok false) carrying the platform's words.
func TestChannelTestConnection(t *testing.T) {
	feishu := httptest.NewServer(simfeishu.NewServer(simfeishu.Config{AppID: "cli_t", AppSecret: "right-secret"}))
	defer feishu.Close()
	dingtalk := httptest.NewServer(simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingt", AppSecret: "right-secret"}))
	defer dingtalk.Close()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMethodNotAllowed) // any answer proves the host is there
	}))
	defer receiver.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	feishuSettings := func(secret string) map[string]string {
		return map[string]string{"app_id": "cli_t", "app_secret": secret, "verification_token": "v", "base_url": feishu.URL}
	}
	dingSettings := func(secret string) map[string]string {
		return map[string]string{"app_key": "dingt", "app_secret": secret, "base_url": dingtalk.URL, "oapi_base_url": dingtalk.URL}
	}
	cases := []struct {
		name, kind string
		settings   map[string]string
		ok         bool
		errHas     string
		state      model.HealthState
	}{
		{"feishu good", "feishu", feishuSettings("right-secret"), true, "", model.HealthConnected},
		{"feishu wrong secret", "feishu", feishuSettings("wrong"), false, "feishu refused the app credentials: HTTP 400 code 10014: app secret invalid", model.HealthDown},
		{"dingtalk good", "dingtalk", dingSettings("right-secret"), true, "", model.HealthConnected},
		{"dingtalk wrong secret", "dingtalk", dingSettings("wrong"), false, "appSecret 不正确", model.HealthDown},
		{"webhook reachable", "webhook", map[string]string{"url": receiver.URL}, true, "", model.HealthConnected},
		{"webhook receive-only", "webhook", nil, false, "no reply URL configured", model.HealthConnected},
		{"webhook unreachable", "webhook", map[string]string{"url": gone.URL}, false, "did not answer: ", model.HealthDegraded},
	}
	n := apptest.Start(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := createChannel(t, n, c.kind, c.settings)
			var got testAnswer
			if st := n.Do("POST", fmt.Sprintf("/api/v1/channels/%d/test", id), n.Token, nil, &got); st != http.StatusOK {
				t.Fatalf("status %d", st)
			}
			if got.OK != c.ok || !strings.Contains(got.Error, c.errHas) || got.Health.State != c.state {
				t.Errorf("answer %+v; want ok=%t, error containing %q, state %s", got, c.ok, c.errHas, c.state)
			}
			var view struct{ Health model.Health }
			if n.Do("GET", fmt.Sprintf("/api/v1/channels/%d", id), n.Token, nil, &view); view.Health.State != c.state {
				t.Errorf("channel health after the test = %s, want %s", view.Health.State, c.state)
			}
		})
	}
}

func createChannel(t *testing.T, n *apptest.Node, kind string, settings map[string]string) int64 {
	t.Helper()
	var ch struct{ ID int64 }
	body := map[string]any{"kind": kind, "name": kind + " test", "org_unit_id": 1, "settings": settings}
	if st := n.Do("POST", "/api/v1/channels", n.Token, body, &ch); st != http.StatusCreated {
		t.Fatalf("create %s channel: %d", kind, st)
	}
	return ch.ID
}

// Only admins run tests (they reach out with stored secrets); a refusal is
// audited like any admin endpoint's.
func TestChannelTestNeedsAdmin(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	_, agent := n.CreateUser("agent1", "agent", 1)
	if st := n.Do("POST", fmt.Sprintf("/api/v1/channels/%d/test", h.ID), agent, nil, nil); st != http.StatusForbidden {
		t.Fatalf("agent: %d, want 403", st)
	}
	var audit struct{ Items []model.AuditEntry }
	n.Do("GET", "/api/v1/audit?denied=true", n.Token, nil, &audit)
	for _, e := range audit.Items {
		if e.Action == "channel.test" && e.Login == "agent1" && !e.Allowed {
			return
		}
	}
	t.Errorf("no denied channel.test in the audit: %+v", audit.Items)
}

// /metrics shows a channel's state, errors and last event once callbacks
// have reached it.
func TestChannelHealthMetrics(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	if st, body := n.Post(h, apptest.NewMessage("m1", "c1", "li", "hello")); st != http.StatusOK {
		t.Fatalf("callback: %d %s", st, body)
	}
	forged := apptest.NewMessage("m2", "c1", "li", "forged")
	if st, _ := n.Post(apptest.Hook{ID: h.ID, Secret: "wrong"}, forged); st != http.StatusUnauthorized {
		t.Fatalf("forged callback: %d", st)
	}
	id := strconv.FormatInt(h.ID, 10)
	m := scrape(t, n)
	want := map[string]float64{
		`switchboard_channel_health{channel_id="` + id + `",kind="webhook",state="connected"}`: 1,
		`switchboard_channel_health{channel_id="` + id + `",kind="webhook",state="down"}`:      0,
		`switchboard_channel_errors_total{channel_id="` + id + `",kind="webhook"}`:             1,
		`switchboard_channel_info{channel_id="` + id + `",kind="webhook",name="ERP"}`:          1,
	}
	for series, v := range want {
		if got, ok := m[series]; !ok || got != v {
			t.Errorf("%s = %v (present %t), want %v", series, got, ok, v)
		}
	}
	age, ok := m[`switchboard_channel_last_event_age_seconds{channel_id="`+id+`",kind="webhook"}`]
	if !ok || age < 0 || age > 60 {
		t.Errorf("last event age = %v (present %t)", age, ok)
	}
}

// scrape reads every sample of /metrics.
func scrape(t *testing.T, n *apptest.Node) map[string]float64 {
	t.Helper()
	resp, err := n.Client.Get(n.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			f, _ := strconv.ParseFloat(line[i+1:], 64)
			out[line[:i]] = f
		}
	}
	return out
}
