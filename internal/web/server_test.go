package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

// A page on another site must not be able to use a signed-in browser to
// change anything (create a rule, sign in as someone, post a reply), while
// scripts with tokens and the platforms' callbacks go on working.
func TestCrossSiteBrowserRequestsAreRefused(t *testing.T) {
	n := apptest.Start(t)
	rule := `{"name":"r","match":{"keywords":["x"]},"actions":{"tags":["t"]}}`
	cases := []struct {
		name    string
		path    string
		headers map[string]string
		refused bool
	}{
		{"other site (Sec-Fetch-Site)", "/api/v1/rules", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, true},
		{"other site (Origin only, older browser)", "/api/v1/rules", map[string]string{"Origin": "https://evil.example"}, true},
		{"sign-in form posted from another site", "/login", map[string]string{"Sec-Fetch-Site": "cross-site"}, true},
		{"the console itself", "/api/v1/rules", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": n.URL}, false},
		{"a script with a token (no browser headers)", "/api/v1/rules", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", n.URL+c.path, strings.NewReader(rule))
			req.Header.Set("Authorization", "Bearer "+n.Token)
			req.Header.Set("Content-Type", "application/json")
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			resp, err := n.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			_ = json.Unmarshal(raw, &e)
			if refused := resp.StatusCode == http.StatusForbidden && e.Error.Code == "SB-3005"; refused != c.refused {
				t.Fatalf("status %d %s, want refused=%v", resp.StatusCode, raw, c.refused)
			}
		})
	}
}
