package api_test

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

// TestOpenAPIListsEveryRoute checks the served document against the mux:
// every API route answers as registered, and every registered route is documented.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	n := apptest.Start(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if st := n.Do("GET", "/api/v1/openapi.json", "", nil, &doc); st != 200 {
		t.Fatalf("openapi.json: %d", st)
	}
	routes := n.App.API.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	documented := 0
	for path, ops := range doc.Paths {
		documented += len(ops)
		_ = path
	}
	if documented != len(routes) {
		t.Errorf("document has %d operations, server has %d routes", documented, len(routes))
	}
	for _, rt := range routes {
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s missing from openapi.json", rt.Method, rt.Path)
		}
		// The route must be served: without credentials a protected route is
		// 401, never 404/405 (which would mean the table and mux disagree).
		req, _ := http.NewRequest(rt.Method, n.URL+strings.NewReplacer("{id}", "1", "{n}", "0").Replace(rt.Path), nil)
		resp, err := n.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound && !rt.Public || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s %s answered %d", rt.Method, rt.Path, resp.StatusCode)
		}
		if !rt.Public && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a token answered %d, want 401", rt.Method, rt.Path, resp.StatusCode)
		}
	}
}
