package main

import (
	"net/http"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/metrics"
)

// validateOps checks the operations flags of `lore serve`.
func (c *Config) validateOps() error {
	if c.RescueAfter != 0 && c.RescueAfter <= c.JobTimeout {
		return lore.Errorf(lore.EINVALID, "--rescue-after (%s) must be longer than --job-timeout (%s), or a job still running would be taken twice",
			c.RescueAfter, c.JobTimeout)
	}
	return nil
}

// setupMetrics creates the process's metrics, feeds them from the catalog service and the job
// queue table, and must run before the queue starts working jobs.
func (m *Main) setupMetrics() error {
	m.metrics = metrics.New()
	if err := m.metrics.WatchQueue(m.stack.Store.DB()); err != nil {
		return err
	}
	if m.stack.Catalog != nil {
		m.stack.Catalog.Metrics = m.metrics
	}
	return nil
}

// opsHandler serves the operations endpoints on every role — GET /metrics (Prometheus text
// format) and GET /readyz (the store and the queue table answer) — and hands everything else
// to next; all requests are timed into lore_http_request_duration_seconds.
//
// /metrics is unauthenticated unless --metrics-token (or LORE_METRICS_TOKEN) is set, and it
// listens on the same address as the portal: do not expose it to the internet. Either set the
// token and configure Prometheus with it as a bearer token, or keep /metrics behind the
// network boundary (a reverse proxy that does not forward it).
func (m *Main) opsHandler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metrics.Handler(m.Config.MetricsToken))
	mux.Handle("GET /readyz", metrics.Ready(m.stack.Store.DB(), m.Logger))
	mux.Handle("/", next)
	return m.metrics.Middleware(mux)
}
