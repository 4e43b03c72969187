// Package sla computes service-level clocks: business time on a working
// calendar (days, hours with breaks, holidays and Chinese make-up
// workdays 调休), and the state of a ticket's first-response and
// resolution clocks replayed from its status changes. It is pure: no
// store, no wall clock, so every rule is a table test.
package sla

import (
	"fmt"
	"slices"
	"time"
)

// DefaultTZ is the zone of calendars that name none.
const DefaultTZ = "Asia/Shanghai"

// AllDay is the name of the built-in calendar that counts every minute
// (24×7, calendar time).
const AllDay = "24x7"

// Span is a working window of a day, "09:00"–"12:00" in local time.
type Span struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Calendar says when the clock runs. A date is a working day when it is a
// listed make-up workday (调休: a weekend day worked), or a working
// weekday that is not a holiday. Dates are "2006-01-02" in the zone.
type Calendar struct {
	Name     string   `json:"name"`
	TZ       string   `json:"tz"`
	Days     []int    `json:"days"`     // working weekdays, 0 = Sunday … 6 = Saturday
	Hours    []Span   `json:"hours"`    // working windows of a working day, in order
	Holidays []string `json:"holidays"` // dates off
	Workdays []string `json:"workdays"` // make-up workdays (调休), worked whatever the weekday
}

// window is a parsed span: offsets from local midnight.
type window struct{ from, to time.Duration }

// Clock is a calendar ready to compute with.
type Clock struct {
	loc      *time.Location
	always   bool // 24×7
	days     [7]bool
	windows  []window
	holidays map[string]bool
	workdays map[string]bool
}

// Always is the 24×7 clock: business time equals elapsed time.
var Always = &Clock{always: true, loc: time.UTC}

// Compile checks c and returns its clock.
func Compile(c Calendar) (*Clock, error) {
	if c.Name == AllDay {
		return Always, nil
	}
	tz := c.TZ
	if tz == "" {
		tz = DefaultTZ
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("tz: unknown time zone %q", tz)
	}
	k := &Clock{loc: loc, holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, d := range c.Days {
		if d < 0 || d > 6 {
			return nil, fmt.Errorf("days: %d is not a weekday (0 = Sunday … 6 = Saturday)", d)
		}
		k.days[d] = true
	}
	if k.windows, err = parseSpans(c.Hours); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		name  string
		dates []string
		dst   map[string]bool
	}{{"holidays", c.Holidays, k.holidays}, {"workdays", c.Workdays, k.workdays}} {
		for _, d := range l.dates {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return nil, fmt.Errorf("%s: %q is not a date like 2026-10-01", l.name, d)
			}
			l.dst[d] = true
		}
	}
	if !slices.Contains(k.days[:], true) && len(k.workdays) == 0 {
		return nil, fmt.Errorf("days: no working day at all")
	}
	return k, nil
}

// parseSpans reads ordered, non-overlapping windows within one day.
func parseSpans(spans []Span) ([]window, error) {
	if len(spans) == 0 {
		return nil, fmt.Errorf("hours: at least one working window, like 09:00–18:00")
	}
	var out []window
	for i, s := range spans {
		from, ok1 := hhmm(s.From)
		to, ok2 := hhmm(s.To)
		if !ok1 || !ok2 || from >= to {
			return nil, fmt.Errorf("hours[%d]: %q–%q: want HH:MM with from before to (24:00 ends the day)", i, s.From, s.To)
		}
		if len(out) > 0 && from < out[len(out)-1].to {
			return nil, fmt.Errorf("hours[%d]: starts before the previous window ends", i)
		}
		out = append(out, window{from, to})
	}
	return out, nil
}

// hhmm parses "HH:MM" (00:00–24:00) into the time since midnight.
func hhmm(s string) (time.Duration, bool) {
	if s == "24:00" {
		return 24 * time.Hour, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

// working reports whether the local date of day is worked.
func (k *Clock) working(day time.Time) bool {
	d := day.Format(time.DateOnly)
	if k.workdays[d] {
		return true
	}
	return k.days[day.Weekday()] && !k.holidays[d]
}

// midnight is the start of t's local day.
func (k *Clock) midnight(t time.Time) time.Time {
	l := t.In(k.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, k.loc)
}

// maxDays bounds the search for working time, so a calendar whose only
// working days lie in the past cannot loop forever.
const maxDays = 3660

// Windows are offsets from local midnight, so on the day a zone changes
// its clocks (not Asia/Shanghai, which has no DST) a window is off by the
// change; calendars are meant for office hours, not those nights.

// Add returns the moment when d of business time has passed after start.
// A start outside working hours begins at the next working moment; d = 0
// returns start itself.
func (k *Clock) Add(start time.Time, d time.Duration) time.Time {
	if k.always || d <= 0 {
		return start.Add(max(d, 0))
	}
	day := k.midnight(start)
	for range maxDays {
		if k.working(day) {
			for _, w := range k.windows {
				from, to := day.Add(w.from), day.Add(w.to)
				if !to.After(start) {
					continue
				}
				from = later(from, start)
				if avail := to.Sub(from); d <= avail {
					return from.Add(d)
				} else {
					d -= avail
				}
			}
		}
		day = nextDay(day)
	}
	return start.Add(d) // no working time within ten years: count calendar time
}

// Between is the business time from a to b (0 when b is not after a).
func (k *Clock) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if k.always {
		return b.Sub(a)
	}
	var sum time.Duration
	for day := k.midnight(a); day.Before(b); day = nextDay(day) {
		if !k.working(day) {
			continue
		}
		for _, w := range k.windows {
			from, to := later(day.Add(w.from), a), earlier(day.Add(w.to), b)
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
	}
	return sum
}

// nextDay is the next local midnight (AddDate keeps the wall clock, so a
// zone with DST still lands on midnight).
func nextDay(day time.Time) time.Time { return day.AddDate(0, 0, 1) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
