package rules

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as "2h", "30m" or "1h30m" in JSON and
// YAML, because admins write rule files by hand and nanosecond integers are
// unreadable there.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats without the zero tails of time.Duration ("2h", not "2h0m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalText writes the short form, e.g. "2h".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText accepts Go duration syntax ("90m", "1h30m") and also days
// ("3d"), since task deadlines are often counted in days.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("invalid duration %q", s)
		}
		*d = Duration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// Weekdays is a set of days written by name ("mon", "monday"; any case) in
// JSON and YAML; numbers 0–6 (Sunday = 0, as time.Weekday) are accepted too.
type Weekdays []time.Weekday

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseWeekday reads one day given by name or number.
func parseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 6 {
		return time.Weekday(n), nil
	}
	if len(s) >= 3 {
		if d, ok := dayNames[s[:3]]; ok && strings.HasPrefix(strings.ToLower(d.String()), s) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("invalid weekday %q", s)
}

// names returns the short lower-case names, the form files are written in.
func (w Weekdays) names() []string {
	out := make([]string, len(w))
	for i, d := range w {
		out[i] = strings.ToLower(d.String()[:3])
		if d < time.Sunday || d > time.Saturday {
			out[i] = strconv.Itoa(int(d)) // keep invalid values visible for Validate
		}
	}
	return out
}

// parse fills w from day names or numbers.
func (w *Weekdays) parse(items []string) error {
	days := make(Weekdays, 0, len(items))
	for _, s := range items {
		d, err := parseWeekday(s)
		if err != nil {
			return err
		}
		days = append(days, d)
	}
	*w = days
	return nil
}

// MarshalJSON writes day names.
func (w Weekdays) MarshalJSON() ([]byte, error) { return json.Marshal(w.names()) }

// UnmarshalJSON reads day names or numbers.
func (w *Weekdays) UnmarshalJSON(b []byte) error {
	var raw []any
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("weekdays: %w", err)
	}
	items := make([]string, len(raw))
	for i, v := range raw {
		items[i] = fmt.Sprint(v)
	}
	return w.parse(items)
}

// MarshalYAML writes day names.
func (w Weekdays) MarshalYAML() (any, error) { return w.names(), nil }

// UnmarshalYAML reads day names or numbers.
func (w *Weekdays) UnmarshalYAML(n *yaml.Node) error {
	var items []string
	if err := n.Decode(&items); err != nil {
		return fmt.Errorf("weekdays: %w", err)
	}
	return w.parse(items)
}
