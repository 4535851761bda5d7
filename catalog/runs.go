package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
)

// JobKinds lists the per-table job kinds queued for every new or changed table (the Profiler and
// the Description Generator register here). Tests and benchmarks may set it to none.
var defaultJobKinds = []string{lore.JobProfile, lore.JobDescribe}

// jobKinds returns the registered per-table job kinds.
func (s *Service) jobKinds() []string {
	if s.JobKinds != nil {
		return s.JobKinds
	}
	return defaultJobKinds
}

// Process starts Save and Process for a connection: a run whose catalog job stores the
// selection's metadata and queues the per-table jobs. If a run is already active for the
// connection, that run is returned instead of a second one.
func (s *Service) Process(ctx context.Context, u *lore.User, connID int64) (*lore.Run, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	sel, err := s.GetSelection(ctx, connID)
	if err != nil {
		return nil, err
	}
	if len(sel.Include) == 0 {
		return nil, lore.Errorf(lore.EINVALID, "Nothing is selected: tick at least one schema or table first.")
	}
	r := &lore.Run{ConnectionID: connID, Kind: "process", CreatedBy: u.Email}
	err = s.Store.CreateRun(ctx, r, func(tx *sql.Tx, runID int64) error {
		_, err := s.Queue.Client().InsertTx(ctx, tx, jobs.CatalogArgs{RunID: runID, ConnectionID: connID}, &river.InsertOpts{MaxAttempts: 1})
		return err
	})
	if lore.ErrorCode(err) == lore.ECONFLICT && r.ID != 0 {
		return s.Store.FindRun(ctx, r.ID, true)
	} else if err != nil {
		return nil, err
	}
	s.audit(ctx, u, "run.process", connTarget(connID), fmt.Sprintf("run %d", r.ID))
	return s.Store.FindRun(ctx, r.ID, true)
}

// Refresh re-reads the catalog of the selection now, stores the difference, and queues jobs for
// new and changed tables only. The returned run carries the diff.
func (s *Service) Refresh(ctx context.Context, u *lore.User, connID int64) (*lore.Run, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	sel, err := s.GetSelection(ctx, connID)
	if err != nil {
		return nil, err
	}
	if len(sel.Include) == 0 {
		return nil, lore.Errorf(lore.EINVALID, "Nothing is selected: tick at least one schema or table first.")
	}
	r := &lore.Run{ConnectionID: connID, Kind: "refresh", CreatedBy: u.Email, Status: lore.StatusRunning}
	if err := s.Store.CreateRun(ctx, r, nil); err != nil {
		if lore.ErrorCode(err) == lore.ECONFLICT {
			return nil, lore.Errorf(lore.ECONFLICT, "Run %d is still processing this connection; refresh when it ends.", r.ID)
		}
		return nil, err
	}
	if err := s.catalogStep(ctx, r.ID, connID); err != nil {
		return nil, err
	}
	s.audit(ctx, u, "run.refresh", connTarget(connID), fmt.Sprintf("run %d", r.ID))
	return s.Store.FindRun(ctx, r.ID, true)
}

// catalogStep reads the selection's catalog, applies it, and queues the per-table jobs. A
// failure ends the run with the reason; nothing is stored half-way (one transaction).
func (s *Service) catalogStep(ctx context.Context, runID, connID int64) (err error) {
	defer func() {
		if err != nil {
			msg := lore.ErrorMessage(err)
			if lore.ErrorCode(err) == lore.EINTERNAL {
				msg = "The catalog step failed: " + err.Error()
			}
			s.Logger.Warn("catalog step failed", "run", runID, "err", err)
			if ferr := s.Store.FailRun(context.WithoutCancel(ctx), runID, msg); ferr != nil && lore.ErrorCode(ferr) != lore.ECONFLICT {
				s.Logger.Error("fail run", "run", runID, "err", ferr)
			}
			s.Metrics.RunFinished("process", lore.StatusFailed)
		}
	}()
	if err := s.Store.StartRun(ctx, runID); err != nil {
		return err
	}
	sel, err := s.Store.FindSelection(ctx, connID)
	if err != nil {
		return err
	}
	conn, err := s.warehouse(ctx, connID)
	if err != nil {
		return err
	}
	before := statsOf(conn)
	metas, err := conn.Catalog(ctx, toWarehouse(sel))
	if err != nil {
		return err
	}
	s.countWork(ctx, connID, conn, before)
	res, err := s.Store.ApplyCatalog(ctx, connID, metas)
	if err != nil {
		return err
	}
	if err := s.applyDBT(ctx, connID); err != nil {
		s.Logger.Warn("apply dbt descriptions", "connection", connID, "err", err)
	}
	var items []store.RunItemKey
	for _, id := range res.Process {
		for _, k := range s.jobKinds() {
			items = append(items, store.RunItemKey{TableID: id, Job: k})
		}
	}
	err = s.Store.AddRunItems(ctx, runID, &res.Diff, items, func(tx *sql.Tx) error {
		return s.insertTableJobs(ctx, tx, runID, items, false)
	})
	if err != nil {
		return err
	}
	closed, err := s.Store.FinishRunIfDone(ctx, runID)
	if err != nil {
		return err
	}
	if closed {
		s.noteRunEnd(ctx, runID)
	}
	return nil
}

// insertTableJobs inserts the River jobs of run items in tx.
func (s *Service) insertTableJobs(ctx context.Context, tx *sql.Tx, runID int64, items []store.RunItemKey, regenerate bool) error {
	if len(items) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, 0, len(items))
	for _, it := range items {
		var args river.JobArgs
		switch it.Job {
		case lore.JobProfile:
			args = jobs.ProfileArgs{RunID: runID, TableID: it.TableID}
		case lore.JobDescribe:
			args = jobs.DescribeArgs{RunID: runID, TableID: it.TableID, Regenerate: regenerate}
		default:
			return fmt.Errorf("unknown job kind %q", it.Job)
		}
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{MaxAttempts: 3}})
	}
	_, err := s.Queue.Client().InsertManyTx(ctx, tx, params)
	return err
}

// GetRun returns a run with every table's job states, counts and ETA.
func (s *Service) GetRun(ctx context.Context, runID int64) (*lore.Run, error) {
	return s.Store.FindRun(ctx, runID, true)
}

// LatestRun returns the newest run of a connection, or ENOTFOUND.
func (s *Service) LatestRun(ctx context.Context, connID int64) (*lore.Run, error) {
	return s.Store.LatestRun(ctx, connID)
}

// RetryRun re-queues one table's job (tableID and job set) or every failed and cancelled item
// (tableID 0).
func (s *Service) RetryRun(ctx context.Context, u *lore.User, runID, tableID int64, job string) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	var keys []store.RunItemKey
	if tableID != 0 {
		jobsToRetry := s.jobKinds()
		if job != "" {
			jobsToRetry = []string{job}
		}
		for _, j := range jobsToRetry {
			keys = append(keys, store.RunItemKey{TableID: tableID, Job: j})
		}
	}
	_, err := s.Store.ReopenRun(ctx, runID, keys, func(tx *sql.Tx, items []store.RunItemKey) error {
		return s.insertTableJobs(ctx, tx, runID, items, false)
	})
	if err == nil {
		s.audit(ctx, u, "run.retry", fmt.Sprintf("run %d", runID), "")
	}
	return err
}

// CancelRun cancels a run; queued jobs find their item cancelled and do nothing.
func (s *Service) CancelRun(ctx context.Context, u *lore.User, runID int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	if err := s.Store.CancelRun(ctx, runID); err != nil {
		return err
	}
	s.Metrics.RunFinished("process", lore.StatusCancelled)
	s.audit(ctx, u, "run.cancel", fmt.Sprintf("run %d", runID), "")
	return nil
}

// CatalogWorker works catalog jobs.
type CatalogWorker struct {
	river.WorkerDefaults[jobs.CatalogArgs]
	Service *Service
}

// Work runs the catalog step. Failures end the run (no River retry: the user retries).
func (w *CatalogWorker) Work(ctx context.Context, job *river.Job[jobs.CatalogArgs]) error {
	run, err := w.Service.Store.FindRun(ctx, job.Args.RunID, false)
	if lore.ErrorCode(err) == lore.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if run.Status != lore.StatusQueued && run.Status != lore.StatusRunning {
		return nil
	}
	if err := w.Service.catalogStep(ctx, job.Args.RunID, job.Args.ConnectionID); err != nil {
		return river.JobCancel(errors.New(lore.ErrorMessage(err)))
	}
	return nil
}
