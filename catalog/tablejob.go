package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river/rivertype"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/warehouse"
)

func statsOf(c warehouse.Conn) warehouse.Stats {
	if sr, ok := c.(warehouse.StatsReporter); ok {
		return sr.Stats()
	}
	return warehouse.Stats{}
}

// countWork reports the statements and API calls a connector made since before.
func (s *Service) countWork(ctx context.Context, connID int64, c warehouse.Conn, before warehouse.Stats) {
	after := statsOf(c)
	typ := "warehouse"
	if conn, err := s.Store.FindConnection(ctx, connID); err == nil {
		typ = conn.Type
	}
	s.Metrics.WarehouseWork(typ, after.Statements-before.Statements, after.APICalls-before.APICalls)
}

// semaphore returns the per-connection concurrency limiter, so a warehouse is never flooded by
// this process's jobs.
func (s *Service) semaphore(connID int64, n int) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	sem := s.sems[connID]
	if sem == nil || cap(sem) != n {
		sem = make(chan struct{}, n)
		s.sems[connID] = sem
	}
	return sem
}

// retryable reports errors worth another attempt later (the warehouse or provider was busy or
// away).
func retryable(err error) bool {
	switch lore.ErrorCode(err) {
	case lore.EUNAVAILABLE, lore.ETOOMANY, lore.EINTERNAL:
		return !errors.Is(err, context.Canceled)
	}
	return false
}

// runTableJob runs one table's job for a run: it marks the item running, limits concurrency per
// connection, and records the outcome. Running it twice leaves the same state (the work
// replaces what it stored). The returned error makes River retry.
func (s *Service) runTableJob(ctx context.Context, job *rivertype.JobRow, runID, tableID int64, kind string,
	work func(ctx context.Context, t *lore.Table, conn *lore.Connection) error) error {
	key := store.RunItemKey{TableID: tableID, Job: kind}
	ok, err := s.Store.StartItem(ctx, runID, key)
	if err != nil {
		return err
	}
	if !ok {
		return nil // cancelled, or finished by an earlier attempt
	}
	start := s.Now()
	finish := func(state, msg string) error {
		s.Metrics.JobFinished(kind, state, s.Now().Sub(start))
		closed, err := s.Store.FinishItem(context.WithoutCancel(ctx), runID, key, state, msg)
		if err != nil {
			return err
		}
		if closed {
			s.noteRunEnd(ctx, runID)
		}
		return nil
	}
	t, err := s.Store.FindTable(ctx, tableID)
	if lore.ErrorCode(err) == lore.ENOTFOUND {
		return finish(lore.StatusFailed, "The table is no longer stored (its connection or selection changed).")
	} else if err != nil {
		return err
	}
	conn, err := s.Store.FindConnection(ctx, t.ConnectionID)
	if err != nil {
		return finish(lore.StatusFailed, lore.ErrorMessage(err))
	}
	settings := conn.Settings.WithDefaults()
	sem := s.semaphore(conn.ID, settings.Concurrency)
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	err = work(ctx, t, conn)
	<-sem
	if err == nil {
		return finish(lore.StatusDone, "")
	}
	msg := lore.ErrorMessage(err)
	if lore.ErrorCode(err) == lore.EINTERNAL {
		msg = err.Error()
	}
	if retryable(err) && job.Attempt < job.MaxAttempts {
		s.Logger.Info("table job will retry", "kind", kind, "table", t.Ref().String(), "attempt", job.Attempt, "err", err)
		return fmt.Errorf("%s %s: %w", kind, t.Ref(), err)
	}
	s.Logger.Warn("table job failed", "kind", kind, "table", t.Ref().String(), "err", err)
	return finish(lore.StatusFailed, msg)
}

// noteRunEnd counts a run that this process just closed.
func (s *Service) noteRunEnd(ctx context.Context, runID int64) {
	if r, err := s.Store.FindRun(ctx, runID, false); err == nil {
		s.Metrics.RunFinished(r.Kind, r.Status)
	}
}
