package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// queueTimeout bounds the river_job read of one scrape, so a slow store never hangs scrapes.
const queueTimeout = 2 * time.Second

// queueStates are River's job states, always reported (at zero when absent) for each kind seen.
var queueStates = []string{"available", "scheduled", "pending", "running", "retryable", "completed", "cancelled", "discarded"}

// queueCollector reads the job queue's depth from river_job at scrape time.
type queueCollector struct {
	db    *sql.DB
	depth *prometheus.Desc
	up    *prometheus.Desc
}

func newQueueCollector(db *sql.DB) *queueCollector {
	return &queueCollector{
		db: db,
		depth: prometheus.NewDesc("lore_queue_jobs",
			"Jobs in the shared queue (river_job) by kind and state, read at scrape time.",
			[]string{"kind", "state"}, nil),
		up: prometheus.NewDesc("lore_queue_up",
			"1 when the last scrape could read the queue table, 0 when it could not.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for kind, byState := range counts {
		for _, s := range queueStates {
			ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(byState[s]), kind, s)
		}
		for s, n := range byState {
			if !known(s) {
				ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), kind, s)
			}
		}
	}
}

func known(state string) bool {
	for _, s := range queueStates {
		if s == state {
			return true
		}
	}
	return false
}

// read returns job counts by kind and state.
func (c *queueCollector) read() (map[string]map[string]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var kind, state string
		var n int64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int64{}
		}
		out[kind][state] = n
	}
	return out, rows.Err()
}
