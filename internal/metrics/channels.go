package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/internal/model"
)

// ChannelSample is one live channel's health at scrape time.
type ChannelSample struct {
	ID     int64
	Kind   string
	Name   string
	Health model.Health
}

// healthStates are the values of the state label; every one is exported
// (1 for the current state, 0 for the others) so that a query for
// state="down" finds a channel that is not down with value 0, not missing.
var healthStates = []model.HealthState{model.HealthConnected, model.HealthDegraded, model.HealthDown, model.HealthUnknown}

var (
	descChannelInfo = prometheus.NewDesc("switchboard_channel_info",
		"Always 1; joins a channel id to its kind and current name.", []string{"channel_id", "kind", "name"}, nil)
	descChannelHealth = prometheus.NewDesc("switchboard_channel_health",
		"1 for the channel's current state (connected, degraded, down, unknown), 0 for the others.",
		[]string{"channel_id", "kind", "state"}, nil)
	descChannelErrors = prometheus.NewDesc("switchboard_channel_errors_total",
		"Refused callbacks and failed platform calls since the channel instance started on this node.",
		[]string{"channel_id", "kind"}, nil)
	descChannelLastEvent = prometheus.NewDesc("switchboard_channel_last_event_age_seconds",
		"Seconds since the channel last received an event; absent before the first.", []string{"channel_id", "kind"}, nil)
)

// channelCollector reads channel health when scraped rather than on a
// ticker: the numbers are never stale, nothing runs when nobody scrapes,
// and a deleted channel's series disappear with it instead of lingering
// in a GaugeVec.
type channelCollector struct {
	samples func() []ChannelSample
	now     func() time.Time
}

// WatchChannels exports the health of the channels samples returns at each
// scrape. samples must be cheap: it runs on every scrape.
func (m *Metrics) WatchChannels(samples func() []ChannelSample) {
	m.Registry.MustRegister(&channelCollector{samples: samples, now: time.Now})
}

// Describe sends the channel metrics' descriptors.
func (c *channelCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descChannelInfo, descChannelHealth, descChannelErrors, descChannelLastEvent} {
		ch <- d
	}
}

// Collect sends the current samples.
func (c *channelCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, s := range c.samples() {
		id := strconv.FormatInt(s.ID, 10)
		ch <- prometheus.MustNewConstMetric(descChannelInfo, prometheus.GaugeValue, 1, id, s.Kind, s.Name)
		for _, st := range healthStates {
			v := 0.0
			if s.Health.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descChannelHealth, prometheus.GaugeValue, v, id, s.Kind, string(st))
		}
		ch <- prometheus.MustNewConstMetric(descChannelErrors, prometheus.CounterValue, float64(s.Health.ErrorCount), id, s.Kind)
		if !s.Health.LastEventAt.IsZero() {
			age := max(now.Sub(s.Health.LastEventAt).Seconds(), 0)
			ch <- prometheus.MustNewConstMetric(descChannelLastEvent, prometheus.GaugeValue, age, id, s.Kind)
		}
	}
}
