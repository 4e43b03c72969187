package sla

import (
	"testing"
	"time"
)

// national2026 is the fixture calendar of these tests: Mon–Fri
// 09:00–12:00 and 13:30–18:00 in Beijing, with the 2026 National Day
// break as this fixture states it (Oct 1–7 off; Sunday Sep 20 and
// Saturday Oct 10 worked). It is test data, not a claim about the State
// Council's schedule; a deployment enters its own year's dates.
var national2026 = Calendar{Name: "cn", TZ: "Asia/Shanghai", Days: []int{1, 2, 3, 4, 5},
	Hours:    []Span{{"09:00", "12:00"}, {"13:30", "18:00"}},
	Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
	Workdays: []string{"2026-09-20", "2026-10-10"}}

var bj = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, bj)
	if err != nil {
		panic(err)
	}
	return t
}

func mustClock(t *testing.T, c Calendar) *Clock {
	t.Helper()
	k, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAddBusinessTime(t *testing.T) {
	k := mustClock(t, national2026)
	for _, c := range []struct {
		name, start string
		d           time.Duration
		want        string
	}{
		{"inside a window", "2026-12-07 10:00", time.Hour, "2026-12-07 11:00"},
		{"lunch break skipped", "2026-12-07 11:30", time.Hour, "2026-12-07 14:00"},
		{"ends exactly at lunch", "2026-12-07 11:00", time.Hour, "2026-12-07 12:00"},
		{"overnight", "2026-12-07 17:30", time.Hour, "2026-12-08 09:30"},
		{"weekend skipped", "2026-12-04 17:00", 2 * time.Hour, "2026-12-07 10:00"},
		{"start on a Saturday waits for Monday", "2026-12-05 10:00", 30 * time.Minute, "2026-12-07 09:30"},
		{"start at night waits for the morning", "2026-12-07 22:00", 15 * time.Minute, "2026-12-08 09:15"},
		{"National Day holidays skipped", "2026-09-30 17:00", 2 * time.Hour, "2026-10-08 10:00"},
		{"调休 Saturday Oct 10 counted", "2026-10-09 17:00", 2 * time.Hour, "2026-10-10 10:00"},
		{"调休 Sunday Sep 20 counted", "2026-09-19 10:00", time.Hour, "2026-09-20 10:00"},
		{"a full working day is 7.5h", "2026-12-07 09:00", 7*time.Hour + 30*time.Minute, "2026-12-07 18:00"},
		{"zero", "2026-12-05 10:00", 0, "2026-12-05 10:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := k.Add(at(c.start), c.d); !got.Equal(at(c.want)) {
				t.Errorf("%s + %v = %s, want %s", c.start, c.d, got.In(bj).Format("2006-01-02 15:04 Mon"), c.want)
			}
		})
	}
}

func TestAddTimeZones(t *testing.T) {
	k := mustClock(t, national2026)
	// 01:00 UTC is 09:00 in Beijing (no DST there): an hour later is 02:00 UTC.
	start := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	if got := k.Add(start, time.Hour); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("09:00 Beijing given in UTC + 1h = %s, want 02:00 UTC", got.UTC())
	}
	// 20:00 UTC Sunday is 04:00 Monday in Beijing: the clock starts at 09:00 Monday Beijing time.
	sun := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	if got := k.Add(sun, time.Minute); !got.Equal(at("2026-12-07 09:01")) {
		t.Errorf("Sunday 20:00 UTC + 1m = %s, want Monday 09:01 Beijing", got.In(bj))
	}
	ny := Calendar{Name: "ny", TZ: "America/New_York", Days: []int{1, 2, 3, 4, 5}, Hours: []Span{{"09:00", "17:00"}}}
	kn := mustClock(t, ny)
	loc, _ := time.LoadLocation("America/New_York")
	// Friday before the DST change (Nov 1 2026) 16:00 + 2h: Monday 10:00 local, whatever the offset did.
	if got := kn.Add(time.Date(2026, 10, 30, 16, 0, 0, 0, loc), 2*time.Hour); !got.Equal(time.Date(2026, 11, 2, 10, 0, 0, 0, loc)) {
		t.Errorf("New York across DST = %s, want Monday 10:00 local", got.In(loc))
	}
}

func TestBetweenBusinessTime(t *testing.T) {
	k := mustClock(t, national2026)
	for _, c := range []struct {
		name, a, b string
		want       time.Duration
	}{
		{"across lunch", "2026-12-07 11:00", "2026-12-07 14:00", 90 * time.Minute},
		{"over a weekend", "2026-12-04 17:00", "2026-12-07 10:00", 2 * time.Hour},
		{"over National Day", "2026-09-30 17:00", "2026-10-08 10:00", 2 * time.Hour},
		{"a holiday alone", "2026-10-02 09:00", "2026-10-02 18:00", 0},
		{"the 调休 Saturday", "2026-10-10 09:00", "2026-10-10 18:00", 7*time.Hour + 30*time.Minute},
		{"backwards", "2026-12-07 14:00", "2026-12-07 11:00", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := k.Between(at(c.a), at(c.b)); got != c.want {
				t.Errorf("%s → %s = %v, want %v", c.a, c.b, got, c.want)
			}
		})
	}
	// Add and Between agree: the business time to a computed due is the target.
	for _, d := range []time.Duration{time.Minute, 4 * time.Hour, 8 * time.Hour, 40 * time.Hour} {
		start := at("2026-09-28 16:45")
		if got := k.Between(start, k.Add(start, d)); got != d {
			t.Errorf("Between(start, Add(start, %v)) = %v", d, got)
		}
	}
}

func TestAllDayCountsEveryMinute(t *testing.T) {
	start := at("2026-10-03 23:50") // a holiday Saturday night
	if got := Always.Add(start, 15*time.Minute); !got.Equal(start.Add(15 * time.Minute)) {
		t.Errorf("24x7 + 15m = %s", got)
	}
	if got := Always.Between(start, start.Add(3*time.Hour)); got != 3*time.Hour {
		t.Errorf("24x7 between = %v", got)
	}
}

func TestCompileRefuses(t *testing.T) {
	base := national2026
	for name, mut := range map[string]func(*Calendar){
		"unknown zone":      func(c *Calendar) { c.TZ = "Mars/Olympus" },
		"weekday 7":         func(c *Calendar) { c.Days = []int{7} },
		"no hours":          func(c *Calendar) { c.Hours = nil },
		"window backwards":  func(c *Calendar) { c.Hours = []Span{{"18:00", "09:00"}} },
		"windows overlap":   func(c *Calendar) { c.Hours = []Span{{"09:00", "13:00"}, {"12:00", "18:00"}} },
		"bad holiday date":  func(c *Calendar) { c.Holidays = []string{"10/01/2026"} },
		"no working day":    func(c *Calendar) { c.Days, c.Workdays = nil, nil },
		"not a time of day": func(c *Calendar) { c.Hours = []Span{{"9am", "6pm"}} },
	} {
		c := base
		mut(&c)
		if _, err := Compile(c); err == nil {
			t.Errorf("%s: compiled, want an error", name)
		}
	}
}
