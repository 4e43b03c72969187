package api

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the route table, so it cannot
// list a route the server lacks or miss one it has.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		item := paths[rt.Path]
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": operationID(rt),
			"responses": map[string]any{
				"default": map[string]any{"description": "error", "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
				"2XX": map[string]any{"description": "success"},
			},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Public {
			op["security"] = []any{}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi":  "3.1.0",
		"info":     map[string]any{"title": "Switchboard API", "version": "1"},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "sb_session"},
			},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{
				"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]any{"type": "string", "example": "SB-1001"}, "message": map[string]any{"type": "string"}}}}}},
		},
	}
}

func operationID(rt Route) string {
	s := strings.ToLower(rt.Method) + pathParam.ReplaceAllString(strings.TrimPrefix(rt.Path, "/api/v1"), "by_$1")
	return strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(s)
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.OpenAPI())
}
