// Package metrics exposes Lore's operational metrics to Prometheus and answers readiness checks.
//
// A Metrics holds a private registry (never the global one) with Go runtime and process
// collectors, counters fed by the catalog service through the catalog.Metrics interface, an
// HTTP latency histogram fed by Middleware, and, once WatchQueue is called, the queue depth read
// from river_job at scrape time. Serve Handler at /metrics and Ready at /readyz.
//
// /metrics carries no secrets, but it reveals what a Lore process is doing (job and run
// counts, warehouse types, request routes and timings). Operators should let only their
// monitoring reach it (a firewall, or a reverse proxy that does not forward /metrics), or give
// it a bearer token: Handler requires one when given a non-empty token.
package metrics

import (
	"crypto/subtle"
	"database/sql"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Known label values, declared up front so that every series exists (at zero) from the start
// and dashboards and alerts never see a missing series.
var (
	runKinds        = []string{"process", "refresh", "regenerate"}
	runStatuses     = []string{"done", "failed", "cancelled"}
	jobKinds        = []string{"profile", "describe"}
	jobStates       = []string{"done", "failed"}
	warehouseTypes  = []string{"postgres", "redshift"}
	aiProviders     = []string{"openai", "bedrock"}
	tokenDirections = []string{"input", "output"}
)

// Metrics is one process's set of Lore metrics. It implements catalog.Metrics. The zero value
// is not usable; call New.
type Metrics struct {
	// Registry holds every collector of this Metrics; Handler serves it.
	Registry *prometheus.Registry

	runs         *prometheus.CounterVec
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	statements   *prometheus.CounterVec
	apiCalls     *prometheus.CounterVec
	aiTokens     *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
}

// New returns Metrics on a fresh private registry with the Go and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lore_runs_total",
			Help: "Runs (process, refresh, regenerate) that ended in this process, by kind and final status.",
		}, []string{"kind", "status"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lore_jobs_total",
			Help: "Per-table jobs this process finished, by kind (profile, describe) and state (done, failed).",
		}, []string{"kind", "state"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lore_job_duration_seconds",
			Help:    "Time one per-table job took in this process, by kind.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"kind"}),
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lore_warehouse_statements_total",
			Help: "SQL statements sent to warehouses, by warehouse type.",
		}, []string{"type"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lore_warehouse_api_calls_total",
			Help: "Warehouse API calls (the Redshift Data API's requests, polls included), by warehouse type.",
		}, []string{"type"}),
		aiTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lore_ai_tokens_total",
			Help: "Tokens the AI provider reported for generated descriptions, by provider and direction (input, output).",
		}, []string{"provider", "direction"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lore_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.runs, m.jobs, m.jobDuration, m.statements, m.apiCalls, m.aiTokens, m.httpDuration,
	)
	for _, k := range runKinds {
		for _, s := range runStatuses {
			m.runs.WithLabelValues(k, s)
		}
	}
	for _, k := range jobKinds {
		m.jobDuration.WithLabelValues(k)
		for _, s := range jobStates {
			m.jobs.WithLabelValues(k, s)
		}
	}
	for _, t := range warehouseTypes {
		m.statements.WithLabelValues(t)
		m.apiCalls.WithLabelValues(t)
	}
	for _, p := range aiProviders {
		for _, d := range tokenDirections {
			m.aiTokens.WithLabelValues(p, d)
		}
	}
	return m
}

// label bounds a caller-given label value: empty becomes "unknown", long values are cut.
func label(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "unknown"
	}
	if len(v) > 40 {
		v = v[:40]
	}
	return v
}

// RunFinished counts a run that ended with status.
func (m *Metrics) RunFinished(kind, status string) {
	m.runs.WithLabelValues(label(kind), label(status)).Inc()
}

// JobFinished counts a per-table job that ended in state after d.
func (m *Metrics) JobFinished(kind, state string, d time.Duration) {
	m.jobs.WithLabelValues(label(kind), label(state)).Inc()
	m.jobDuration.WithLabelValues(label(kind)).Observe(d.Seconds())
}

// WarehouseWork counts statements and API calls made to a warehouse of type typ.
func (m *Metrics) WarehouseWork(typ string, statements, apiCalls int64) {
	if statements > 0 {
		m.statements.WithLabelValues(label(typ)).Add(float64(statements))
	}
	if apiCalls > 0 {
		m.apiCalls.WithLabelValues(label(typ)).Add(float64(apiCalls))
	}
}

// AITokens counts the input and output tokens a provider reported.
func (m *Metrics) AITokens(provider string, in, out int64) {
	if in > 0 {
		m.aiTokens.WithLabelValues(label(provider), "input").Add(float64(in))
	}
	if out > 0 {
		m.aiTokens.WithLabelValues(label(provider), "output").Add(float64(out))
	}
}

// WatchQueue adds the queue depth (lore_queue_jobs by kind and state), read from db's
// river_job table at every scrape, and lore_queue_up (0 when that read failed).
func (m *Metrics) WatchQueue(db *sql.DB) error {
	return m.Registry.Register(newQueueCollector(db))
}

// Handler serves the registry in the Prometheus text format. With a non-empty token, a request
// must carry "Authorization: Bearer TOKEN"; others get 401. The route is meant for monitoring
// only: see the package documentation before exposing it.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lore metrics"`)
			http.Error(w, "Send the metrics token as \"Authorization: Bearer TOKEN\" (set with --metrics-token).", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
