package ticket

import (
	"context"
	"slices"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/sla"
)

// BusinessCalendar is the name of the shipped business-hours calendar.
const BusinessCalendar = "cn-business"

// DefaultSLACalendars are the calendars in use until the admin sets some:
// Beijing office hours with the lunch break many Chinese companies keep.
// Holidays and make-up workdays (调休) change every year, so none are
// shipped: the admin enters the year's dates.
var DefaultSLACalendars = model.SLACalendars{Calendars: []sla.Calendar{{Name: BusinessCalendar, TZ: sla.DefaultTZ,
	Days: []int{1, 2, 3, 4, 5}, Hours: []sla.Span{{From: "09:00", To: "12:00"}, {From: "13:30", To: "18:00"}},
	Holidays: []string{}, Workdays: []string{}}}}

func pol(name, typ, prio string, first, res, remind time.Duration, cal string) model.SLAPolicy {
	return model.SLAPolicy{Name: name, Type: typ, Priority: prio, FirstResponse: model.SLADuration(first),
		Resolution: model.SLADuration(res), RemindEvery: model.SLADuration(remind), Calendar: cal, WarnPercent: 80}
}

// DefaultSLAPolicies are the policies in use until the admin sets some
// (first match wins): incidents tighter than other work, P1 incidents
// round the clock.
var DefaultSLAPolicies = model.SLAPolicies{Policies: []model.SLAPolicy{
	pol("incident-P1", model.TypeIncident, "P1", 15*time.Minute, 4*time.Hour, 30*time.Minute, sla.AllDay),
	pol("incident-P2", model.TypeIncident, "P2", time.Hour, 8*time.Hour, 2*time.Hour, BusinessCalendar),
	pol("incident-P3", model.TypeIncident, "P3", 4*time.Hour, 24*time.Hour, 8*time.Hour, BusinessCalendar),
	pol("incident-P4", model.TypeIncident, "P4", 8*time.Hour, 40*time.Hour, 0, BusinessCalendar),
	pol("requirement", model.TypeRequirement, "", 8*time.Hour, 0, 0, BusinessCalendar),
	pol("P1", "", "P1", time.Hour, 8*time.Hour, 2*time.Hour, BusinessCalendar),
	pol("P2", "", "P2", 2*time.Hour, 16*time.Hour, 4*time.Hour, BusinessCalendar),
	pol("P3", "", "P3", 8*time.Hour, 40*time.Hour, 0, BusinessCalendar),
	pol("P4", "", "P4", 16*time.Hour, 80*time.Hour, 0, BusinessCalendar),
}}

// SLAPolicies returns the admin's SLA policies, or the defaults.
func (s *Service) SLAPolicies(ctx context.Context) (model.SLAPolicies, error) {
	p, ok, err := s.Store.SLAPolicies(ctx)
	if err != nil || !ok {
		return DefaultSLAPolicies, err
	}
	return p, nil
}

// SLACalendars returns the admin's calendars, or the defaults.
func (s *Service) SLACalendars(ctx context.Context) (model.SLACalendars, error) {
	c, ok, err := s.Store.SLACalendars(ctx)
	if err != nil || !ok {
		return DefaultSLACalendars, err
	}
	return c, nil
}

// SetSLAPolicies validates and stores the policies. Tickets take the new
// targets when their clocks are next computed (on their next change).
func (s *Service) SetSLAPolicies(ctx context.Context, p model.SLAPolicies) (model.SLAPolicies, error) {
	cals, err := s.SLACalendars(ctx)
	if err != nil {
		return p, err
	}
	if err := s.checkPolicies(ctx, &p, cals); err != nil {
		return p, err
	}
	return p, s.Store.SetSLAPolicies(ctx, p)
}

// SetSLACalendars validates and stores the calendars; a calendar a policy
// uses cannot be removed.
func (s *Service) SetSLACalendars(ctx context.Context, c model.SLACalendars) (model.SLACalendars, error) {
	if c.Calendars == nil {
		c.Calendars = []sla.Calendar{}
	}
	for i, cal := range c.Calendars {
		if cal.Name == "" || cal.Name == sla.AllDay || slices.ContainsFunc(c.Calendars[:i], func(o sla.Calendar) bool { return o.Name == cal.Name }) {
			return c, errcode.BadSLACalendar.With("calendars[%d].name %q: want a unique name other than %s", i, cal.Name, sla.AllDay)
		}
		if _, err := sla.Compile(cal); err != nil {
			return c, errcode.BadSLACalendar.With("calendar %q: %v", cal.Name, err)
		}
		c.Calendars[i].Holidays, c.Calendars[i].Workdays = nonNil(cal.Holidays), nonNil(cal.Workdays)
	}
	p, err := s.SLAPolicies(ctx)
	if err != nil {
		return c, err
	}
	for _, pl := range p.Policies {
		if pl.Calendar != sla.AllDay && !slices.ContainsFunc(c.Calendars, func(o sla.Calendar) bool { return o.Name == pl.Calendar }) {
			return c, errcode.SLACalendarUse.With("policy %q uses calendar %q; change the policy first", pl.Name, pl.Calendar)
		}
	}
	return c, s.Store.SetSLACalendars(ctx, c)
}

// checkPolicies refuses a policy list with a bad value, naming it.
func (s *Service) checkPolicies(ctx context.Context, p *model.SLAPolicies, cals model.SLACalendars) error {
	p.Policies = nonNil(p.Policies)
	for i := range p.Policies {
		pl := &p.Policies[i]
		if pl.Calendar == "" {
			pl.Calendar = sla.AllDay
		}
		bad := func(format string, args ...any) error {
			return errcode.BadSLAPolicy.With("policies[%d] (%q): "+format, append([]any{i, pl.Name}, args...)...)
		}
		switch {
		case pl.Name == "" || pl.Name == "-" || slices.ContainsFunc(p.Policies[:i], func(o model.SLAPolicy) bool { return o.Name == pl.Name }):
			return bad("name: want a unique name")
		case pl.Priority != "" && !KnownPriority(pl.Priority):
			return bad("priority %q: want P1, P2, P3, P4 or empty", pl.Priority)
		case pl.FirstResponse < 0 || pl.Resolution < 0 || pl.WarnBefore < 0 || pl.RemindEvery < 0:
			return bad("durations cannot be negative")
		case pl.FirstResponse == 0 && pl.Resolution == 0:
			return bad("set first_response, resolution or both")
		case pl.RemindEvery != 0 && pl.RemindEvery < model.SLADuration(time.Second):
			return bad("remind_every: at least 1s")
		case pl.WarnPercent < 0 || pl.WarnPercent > 99:
			return bad("warn_percent %d: want 1–99 (0 for 80)", pl.WarnPercent)
		case pl.Reassign != "" && pl.Reassign != model.SLAReassignLead && pl.Reassign != model.SLAReassignQueue:
			return bad("reassign %q: want %s, %s or empty", pl.Reassign, model.SLAReassignLead, model.SLAReassignQueue)
		case pl.Calendar != sla.AllDay && !slices.ContainsFunc(cals.Calendars, func(c sla.Calendar) bool { return c.Name == pl.Calendar }):
			return bad("calendar %q: no such calendar (%s, or one of GET /api/v1/sla-calendars)", pl.Calendar, sla.AllDay)
		}
		if pl.Type != "" {
			if _, err := s.ticketType(ctx, pl.Type); err != nil {
				return bad("%v", err)
			}
		}
	}
	return nil
}

// slaSetup is the policies and compiled calendars in use.
type slaSetup struct {
	policies []model.SLAPolicy
	clocks   map[string]*sla.Clock
}

func (s *Service) slaSetup(ctx context.Context) (slaSetup, error) {
	p, err := s.SLAPolicies(ctx)
	if err != nil {
		return slaSetup{}, err
	}
	c, err := s.SLACalendars(ctx)
	if err != nil {
		return slaSetup{}, err
	}
	out := slaSetup{policies: p.Policies, clocks: map[string]*sla.Clock{sla.AllDay: sla.Always}}
	for _, cal := range c.Calendars {
		if k, err := sla.Compile(cal); err == nil {
			out.clocks[cal.Name] = k
		}
	}
	return out, nil
}

// match is the first policy for t's type and priority whose calendar exists.
func (u slaSetup) match(t model.Ticket) (model.SLAPolicy, *sla.Clock, bool) {
	for _, p := range u.policies {
		if (p.Type == "" || p.Type == t.Type) && (p.Priority == "" || p.Priority == t.Priority) {
			k, ok := u.clocks[p.Calendar]
			return p, k, ok
		}
	}
	return model.SLAPolicy{}, nil, false
}

// byName is the policy called name.
func (u slaSetup) byName(name string) (model.SLAPolicy, bool) {
	i := slices.IndexFunc(u.policies, func(p model.SLAPolicy) bool { return p.Name == name })
	if i < 0 {
		return model.SLAPolicy{}, false
	}
	return u.policies[i], true
}

func targets(p model.SLAPolicy) sla.Targets {
	return sla.Targets{FirstResponse: time.Duration(p.FirstResponse), Resolution: time.Duration(p.Resolution),
		WarnPercent: p.WarnPercent, WarnBefore: time.Duration(p.WarnBefore)}
}
