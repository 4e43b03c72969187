// Package metrics defines Switchboard's Prometheus metrics in one place, on a
// registry of their own so tests can run several servers in one process.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every collector.
type Metrics struct {
	Registry        *prometheus.Registry
	IntakeAccepted  *prometheus.CounterVec // by channel kind
	IntakeDuplicate *prometheus.CounterVec
	IntakeRejected  *prometheus.CounterVec // by kind and reason
	CommitBatch     prometheus.Histogram
	CommitSeconds   prometheus.Histogram
	ProcessLag      prometheus.Histogram
	Processed       prometheus.Counter
	ProcessErrors   prometheus.Counter
	OutboxDepth     prometheus.Gauge
	InboxDepth      prometheus.Gauge
	Deliveries      *prometheus.CounterVec // by kind and result
	SSEClients      prometheus.Gauge
	APIErrors       *prometheus.CounterVec // by code
	// Channel health is collected at scrape time: see WatchChannels.
}

// New creates and registers all collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: r,
		IntakeAccepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_intake_accepted_total",
			Help: "Inbound messages durably committed."}, []string{"kind"}),
		IntakeDuplicate: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_intake_duplicate_total",
			Help: "Inbound messages acknowledged but already stored (platform retries)."}, []string{"kind"}),
		IntakeRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_intake_rejected_total",
			Help: "Inbound callbacks refused, by reason."}, []string{"kind", "reason"}),
		CommitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "switchboard_intake_commit_batch_size",
			Help: "Envelopes per group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		CommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "switchboard_intake_commit_seconds",
			Help: "Duration of one group commit including fsync.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		ProcessLag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "switchboard_processing_lag_seconds",
			Help: "Time from acceptance to processed message.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		Processed: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_processed_total",
			Help: "Inbound messages turned into stored messages."}),
		ProcessErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_processing_errors_total",
			Help: "Processing batches that failed and will be retried."}),
		OutboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchboard_outbox_depth",
			Help: "Deliveries queued or waiting to retry."}),
		InboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchboard_inbox_depth",
			Help: "Committed inbound messages not yet processed."}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_deliveries_total",
			Help: "Outbound delivery attempts by result (sent, retry, dead)."}, []string{"kind", "result"}),
		SSEClients: prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchboard_sse_clients",
			Help: "Connected live-update clients."}),
		APIErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_api_errors_total",
			Help: "Error responses by catalogue code."}, []string{"code"}),
	}
	r.MustRegister(m.IntakeAccepted, m.IntakeDuplicate, m.IntakeRejected, m.CommitBatch, m.CommitSeconds,
		m.ProcessLag, m.Processed, m.ProcessErrors, m.OutboxDepth, m.InboxDepth, m.Deliveries, m.SSEClients,
		m.APIErrors)
	return m
}
