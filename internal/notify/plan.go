package notify

import (
	"fmt"
	"time"

	"switchboard/internal/model"
)

// DefaultTZ is the time zone of quiet hours that name none.
const DefaultTZ = "Asia/Shanghai"

// DefaultDigest is the digest interval when neither rule nor person sets one.
const DefaultDigest = 2 * time.Hour

// decision is how one user hears of one message.
type decision struct {
	now    bool      // send at once
	due    time.Time // when held: the flush time
	reason string
}

// decide applies the user's preferences to a request at time now. Urgent
// (or P1) breaks through quiet hours and do-not-disturb; "now" inside quiet
// hours waits for their end; digests and do-not-disturb wait for the next
// digest boundary.
func decide(req model.NotifyRequest, s model.NotifySettings, now time.Time) decision {
	quiet, quietEnd := quietUntil(s, now)
	switch {
	case req.Breaks() && (quiet || s.DND):
		return decision{now: true, reason: "urgent: breaks through quiet hours"}
	case req.Breaks():
		return decision{now: true, reason: "urgent"}
	case req.Mode == model.NotifyNow && s.DND:
		return decision{due: boundary(now, digestEvery(req, s)), reason: "do not disturb: in the next digest"}
	case req.Mode == model.NotifyNow && quiet:
		return decision{due: quietEnd, reason: "quiet hours: held until " + quietEnd.In(zone(s.TZ)).Format("15:04")}
	case req.Mode == model.NotifyNow:
		return decision{now: true}
	}
	every := digestEvery(req, s)
	return decision{due: boundary(now, every), reason: "digest every " + model.ShortDuration(every)}
}

// orderChain puts the hops on the channels of via first, in via's order,
// then the rest in the person's own order: a rule says "Feishu, then
// email, then SMS", the person says where they are on each.
func orderChain(chain []model.NotifyHop, via []int64) []model.NotifyHop {
	if len(via) == 0 {
		return chain
	}
	out := make([]model.NotifyHop, 0, len(chain))
	used := make([]bool, len(chain))
	for _, ch := range via {
		for i, h := range chain {
			if !used[i] && h.ChannelID == ch {
				out, used[i] = append(out, h), true
			}
		}
	}
	for i, h := range chain {
		if !used[i] {
			out = append(out, h)
		}
	}
	return out
}

func digestEvery(req model.NotifyRequest, s model.NotifySettings) time.Duration {
	switch {
	case s.DigestEvery > 0:
		return s.DigestEvery
	case req.DigestInterval > 0:
		return req.DigestInterval
	}
	return DefaultDigest
}

// boundary is the end of the interval-long window holding now, counted from
// midnight UTC+8 for intervals of whole hours (so a 2 h digest goes out at
// 10:00, 12:00… Beijing time), from the epoch otherwise. Every item of one
// window shares it, which makes them one digest.
func boundary(now time.Time, every time.Duration) time.Time {
	offset := time.Duration(0)
	if every%time.Hour == 0 {
		offset = 8 * time.Hour
	}
	shifted := now.Add(offset)
	return shifted.Truncate(every).Add(every).Add(-offset)
}

// quietUntil reports whether now falls in the user's quiet hours and, if so,
// when they end.
func quietUntil(s model.NotifySettings, now time.Time) (bool, time.Time) {
	from, okFrom := clock(s.QuietFrom)
	to, okTo := clock(s.QuietTo)
	if !okFrom || !okTo || from == to {
		return false, time.Time{}
	}
	local := now.In(zone(s.TZ))
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
	at := local.Sub(midnight)
	switch {
	case from < to && at >= from && at < to:
		return true, midnight.Add(to)
	case from > to && at >= from: // evening part of a window that wraps midnight
		return true, midnight.AddDate(0, 0, 1).Add(to)
	case from > to && at < to: // early-morning part
		return true, midnight.Add(to)
	}
	return false, time.Time{}
}

// clock parses "HH:MM" into the time since midnight.
func clock(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

func zone(name string) *time.Location {
	if name == "" {
		name = DefaultTZ
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("UTC+8", 8*3600)
}

// ValidateSettings reports the first problem with s, for the API to refuse.
func ValidateSettings(s model.NotifySettings) error {
	if (s.QuietFrom == "") != (s.QuietTo == "") {
		return fmt.Errorf("quiet_from and quiet_to: set both or neither")
	}
	for _, v := range []string{s.QuietFrom, s.QuietTo} {
		if _, ok := clock(v); v != "" && !ok {
			return fmt.Errorf("quiet hours: %q is not HH:MM", v)
		}
	}
	if s.TZ != "" {
		if _, err := time.LoadLocation(s.TZ); err != nil {
			return fmt.Errorf("tz: unknown time zone %q", s.TZ)
		}
	}
	if s.DigestEvery != 0 && s.DigestEvery < time.Minute {
		return fmt.Errorf("digest_every: at least 1m")
	}
	for i, h := range s.Chain {
		if h.ChannelID == 0 || h.Destination == "" {
			return fmt.Errorf("chain[%d]: channel_id and destination are required", i)
		}
	}
	return nil
}
