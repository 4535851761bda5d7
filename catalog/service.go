// Package catalog is Lore's application service: connections and their secrets, the selection,
// Save and Process and Refresh runs with their per-table jobs (catalog, profile, describe),
// stored tables with descriptions and profiles, AI settings, dbt artifacts and personas. It
// composes the store, the vault, the warehouse connectors and the job queue; web and the CLI
// call it, and cmd/lore wires it.
package catalog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/vault"
	"github.com/lorehq/lore/warehouse"
)

// Service is the catalog service. Its methods return lore errors with codes and messages meant
// for the user.
type Service struct {
	Store  *store.Store
	Vault  *vault.Vault
	Logger *slog.Logger
	// Queue inserts jobs; it may be a queue that does not work them (a web-only process).
	Queue *jobs.Queue
	// OpenWarehouse opens a connector; warehouse.Open by default (tests may wrap it).
	OpenWarehouse func(ctx context.Context, typ string, cfg warehouse.Config) (warehouse.Conn, error)
	// Metrics, when set, counts runs, jobs and warehouse work.
	Metrics Metrics
	// DescriberOverride replaces the configured AI provider (tests use a fake model).
	DescriberOverride describe.Describer
	// JobKinds overrides the per-table job kinds (nil: profile and describe; empty: none).
	JobKinds []string
	// Now is the clock (time.Now by default).
	Now func() time.Time

	mu    sync.Mutex
	conns map[int64]*cachedConn
	sems  map[int64]chan struct{}
	descr describe.Describer
}

// Metrics receives counters; the metrics package implements it for Prometheus.
type Metrics interface {
	RunFinished(kind, status string)
	JobFinished(kind, state string, d time.Duration)
	WarehouseWork(typ string, statements, apiCalls int64)
	AITokens(provider string, in, out int64)
}

type noMetrics struct{}

func (noMetrics) RunFinished(string, string)                {}
func (noMetrics) JobFinished(string, string, time.Duration) {}
func (noMetrics) WarehouseWork(string, int64, int64)        {}
func (noMetrics) AITokens(string, int64, int64)             {}

type cachedConn struct {
	conn    warehouse.Conn
	version time.Time
}

// New returns a Service.
func New(s *store.Store, v *vault.Vault, q *jobs.Queue, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		Store: s, Vault: v, Queue: q, Logger: logger,
		OpenWarehouse: warehouse.Open,
		Metrics:       noMetrics{},
		Now:           time.Now,
		conns:         map[int64]*cachedConn{},
		sems:          map[int64]chan struct{}{},
	}
}

// Close closes cached warehouse connections.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, c := range s.conns {
		c.conn.Close()
		delete(s.conns, id)
	}
}

// requireAdmin returns EFORBIDDEN unless u is an admin.
func requireAdmin(u *lore.User) error {
	if !u.IsAdmin() {
		return lore.Errorf(lore.EFORBIDDEN, "Only admins can do this; ask an admin.")
	}
	return nil
}

// audit records an audit entry; failures are logged, never returned.
func (s *Service) audit(ctx context.Context, u *lore.User, action, target, detail string) {
	e := &lore.AuditEntry{Action: action, Target: target, Detail: detail}
	if u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
	}
	if err := s.Store.RecordAudit(ctx, e); err != nil {
		s.Logger.Warn("audit", "action", action, "err", err)
	}
}
