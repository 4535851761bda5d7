// Package jobs runs Lore's background work on River: the queue shares the store's database
// (the same SQLite file, or the same PostgreSQL database) so jobs are enqueued in the same
// transaction as the rows that need them. Each job kind has one args type and one worker.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/lorehq/lore/store"
)

// Client is the River client type Lore uses.
type Client = river.Client[*sql.Tx]

// Config configures the queue.
type Config struct {
	DB      *sql.DB
	Dialect store.Dialect
	Logger  *slog.Logger
	// Work is false for a web-only process: it enqueues but never works jobs.
	Work bool
	// MaxWorkers bounds concurrent jobs in this process (default 20).
	MaxWorkers int
	// JobTimeout bounds one job (default 10 minutes).
	JobTimeout time.Duration
	// RescueAfter re-queues jobs of a process that died (default 15 minutes, > JobTimeout).
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for jobs (default 50 ms: the database/sql
	// drivers have no LISTEN/NOTIFY, so the queue polls; one indexed query per poll).
	PollInterval time.Duration
}

// Queue is the job queue of one Lore process.
type Queue struct {
	client *Client
	logger *slog.Logger
}

func driverFor(db *sql.DB, d store.Dialect) riverdriver.Driver[*sql.Tx] {
	if d == store.Postgres {
		return riverdatabasesql.New(db)
	}
	return riversqlite.New(db)
}

// Migrate applies River's own migrations to the store's database.
func Migrate(ctx context.Context, db *sql.DB, d store.Dialect) error {
	m, err := rivermigrate.New(driverFor(db, d), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// New returns a queue whose workers were added to workers by the caller (see Register funcs).
func New(cfg Config, workers *river.Workers) (*Queue, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc := &river.Config{
		Logger:               logger.With("component", "queue"),
		PollOnly:             true,
		FetchCooldown:        5 * time.Millisecond,
		FetchPollInterval:    cfg.PollInterval,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// Completed jobs are kept a day for the processing panel's history.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if rc.FetchPollInterval == 0 {
		rc.FetchPollInterval = 50 * time.Millisecond
	}
	if rc.JobTimeout == 0 {
		rc.JobTimeout = 10 * time.Minute
	}
	if rc.RescueStuckJobsAfter == 0 {
		rc.RescueStuckJobsAfter = rc.JobTimeout + 5*time.Minute
	}
	if cfg.Work {
		max := cfg.MaxWorkers
		if max <= 0 {
			max = 20
		}
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max}}
		rc.Workers = workers
	}
	client, err := river.NewClient(driverFor(cfg.DB, cfg.Dialect), rc)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{client: client, logger: logger}, nil
}

// Client returns the River client, for inserting jobs.
func (q *Queue) Client() *Client { return q.client }

// Start starts working jobs (a no-op for a queue without workers).
func (q *Queue) Start(ctx context.Context) error {
	return q.client.Start(ctx)
}

// Stop waits for running jobs to finish, up to ctx's deadline, then cancels them.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err != nil {
		return q.client.StopAndCancel(context.Background())
	}
	return nil
}

// RecoverInterrupted makes jobs that were running when the previous process stopped available
// again. Only for the embedded store, where `lore serve` holds the data dir's serve lock and is
// therefore the only process working jobs; on PostgreSQL, River rescues the jobs of dead
// workers after RescueAfter.
func RecoverInterrupted(ctx context.Context, db *sql.DB) (int64, error) {
	res, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("recover interrupted jobs: %w", err)
	}
	return res.RowsAffected()
}
