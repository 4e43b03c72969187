package api

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/errcode"
	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// parseClassFilter reads the filters on what rules decided about a
// message: category, priority (P1–P4) and confidential (true/false).
func parseClassFilter(q url.Values, f *store.MessageFilter) error {
	f.Category = strings.TrimSpace(q.Get("category"))
	if v := q.Get("priority"); v != "" {
		if !slices.Contains(rules.Priorities, v) {
			return errcode.BadCursor.With("priority=%q: want P1, P2, P3 or P4", v)
		}
		f.Priority = v
	}
	if v := q.Get("confidential"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errcode.BadCursor.With("confidential=%q: want true or false", v)
		}
		f.Confidential = &b
	}
	return nil
}
