package sla

import (
	"testing"
	"time"
)

func TestReplayClocks(t *testing.T) {
	k := mustClock(t, national2026)
	tg := Targets{FirstResponse: time.Hour, Resolution: 4 * time.Hour, WarnPercent: 75}
	created := at("2026-12-07 10:00") // Monday
	step := func(when, from, to string) Step { return Step{At: at(when), From: from, To: to} }
	for _, c := range []struct {
		name              string
		steps             []Step
		comment           string
		wantFirstAt       string
		wantDue, wantWarn string
		wantCycle         int
		paused, stopped   bool
		breachedAt        string // resolution breached when looked at then
		notBreachedAt     string
	}{
		{name: "untouched", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1,
			breachedAt: "2026-12-07 15:30", notBreachedAt: "2026-12-07 15:29"},
		{name: "first response by status change", steps: []Step{step("2026-12-07 10:20", accepted, progress)},
			wantFirstAt: "2026-12-07 10:20", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1},
		{name: "an earlier public comment answers first", steps: []Step{step("2026-12-07 10:20", accepted, progress)},
			comment: "2026-12-07 10:05", wantFirstAt: "2026-12-07 10:05", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1},
		{name: "待反馈 pauses and extends by the business time paused",
			steps:       []Step{step("2026-12-07 10:30", accepted, waiting), step("2026-12-07 11:00", waiting, progress)},
			wantFirstAt: "2026-12-07 10:30", wantDue: "2026-12-07 16:00", wantWarn: "2026-12-07 15:00", wantCycle: 1},
		{name: "a pause over lunch counts only working minutes",
			steps:       []Step{step("2026-12-07 11:30", accepted, waiting), step("2026-12-07 14:00", waiting, progress)},
			wantFirstAt: "2026-12-07 11:30", wantDue: "2026-12-07 16:30", wantWarn: "2026-12-07 15:30", wantCycle: 1},
		{name: "still paused: due frozen, not breached later", steps: []Step{step("2026-12-07 10:30", accepted, waiting)},
			wantFirstAt: "2026-12-07 10:30", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1, paused: true,
			notBreachedAt: "2026-12-09 10:00"},
		{name: "a pause after the breach extends nothing",
			steps:       []Step{step("2026-12-07 10:10", accepted, progress), step("2026-12-07 16:00", progress, waiting), step("2026-12-08 10:00", waiting, progress)},
			wantFirstAt: "2026-12-07 10:10", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1, breachedAt: "2026-12-08 10:00"},
		{name: "resolved in time stops the clock",
			steps:       []Step{step("2026-12-07 10:10", accepted, progress), step("2026-12-07 15:00", progress, resolved)},
			wantFirstAt: "2026-12-07 10:10", wantDue: "2026-12-07 15:30", wantWarn: "2026-12-07 14:30", wantCycle: 1, stopped: true,
			notBreachedAt: "2026-12-09 10:00"},
		{name: "reopen starts a new cycle with the full target",
			steps: []Step{step("2026-12-07 10:10", accepted, progress), step("2026-12-07 15:00", progress, resolved),
				step("2026-12-08 09:00", resolved, progress)},
			wantFirstAt: "2026-12-07 10:10", wantDue: "2026-12-08 14:30", wantWarn: "2026-12-08 12:00", wantCycle: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			var comment time.Time
			if c.comment != "" {
				comment = at(c.comment)
			}
			s := Replay(k, tg, created, c.steps, comment)
			if c.wantFirstAt != "" && !s.FirstResponseAt.Equal(at(c.wantFirstAt)) {
				t.Errorf("first response at %s, want %s", s.FirstResponseAt.In(bj), c.wantFirstAt)
			}
			if !s.FirstDue.Equal(at("2026-12-07 11:00")) {
				t.Errorf("first response due %s, want 11:00", s.FirstDue.In(bj))
			}
			if !s.ResolutionDue.Equal(at(c.wantDue)) || !s.ResolutionWarn.Equal(at(c.wantWarn)) {
				t.Errorf("resolution due %s warn %s, want %s and %s", s.ResolutionDue.In(bj), s.ResolutionWarn.In(bj), c.wantDue, c.wantWarn)
			}
			if s.Cycle != c.wantCycle || s.PausedSince.IsZero() == c.paused || s.StoppedAt.IsZero() == c.stopped {
				t.Errorf("cycle %d paused %v stopped %v, want %d %v %v", s.Cycle, s.PausedSince, s.StoppedAt, c.wantCycle, c.paused, c.stopped)
			}
			if c.breachedAt != "" && !s.ResolutionBreached(at(c.breachedAt)) {
				t.Errorf("not breached at %s", c.breachedAt)
			}
			if c.notBreachedAt != "" && s.ResolutionBreached(at(c.notBreachedAt)) {
				t.Errorf("breached at %s", c.notBreachedAt)
			}
		})
	}
}

func TestFirstResponseBreach(t *testing.T) {
	tg := Targets{FirstResponse: 15 * time.Minute, Resolution: 4 * time.Hour}
	created := at("2026-12-05 23:00") // 24×7: a Saturday night counts
	late := Replay(Always, tg, created, []Step{{At: at("2026-12-05 23:20"), From: accepted, To: progress}}, time.Time{})
	if !late.FirstBreached(at("2026-12-06 10:00")) {
		t.Error("answered after 20 minutes of a 15-minute target: not breached")
	}
	if !late.FirstWarn.Equal(at("2026-12-05 23:12")) {
		t.Errorf("warning at %s, want 23:12 (80%% default)", late.FirstWarn.In(bj))
	}
	open := Replay(Always, tg, created, nil, time.Time{})
	if open.FirstBreached(at("2026-12-05 23:14")) || !open.FirstBreached(at("2026-12-05 23:15")) {
		t.Error("an unanswered ticket breaches exactly at its due moment")
	}
	before := Replay(Always, Targets{Resolution: time.Hour, WarnBefore: 10 * time.Minute}, created, nil, time.Time{})
	if !before.ResolutionWarn.Equal(at("2026-12-05 23:50")) || !before.FirstDue.IsZero() {
		t.Errorf("warn_before 10m of 1h: warn %s, first due %s", before.ResolutionWarn.In(bj), before.FirstDue)
	}
	if r := open.Remaining(Always, at("2026-12-06 02:00")); r != time.Hour {
		t.Errorf("remaining = %v, want 1h", r)
	}
}
