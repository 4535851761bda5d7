package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/lorehq/lore"
)

// CreateRun starts a run for a connection unless one is queued or running: then it returns the
// active run and ECONFLICT, so two users pressing Save and Process get one run. enqueue, when
// not nil, runs in the same transaction (to insert the run's first job).
func (s *Store) CreateRun(ctx context.Context, r *lore.Run, enqueue func(tx *sql.Tx, runID int64) error) error {
	r.CreatedAt = s.now().UTC()
	if r.Status == "" {
		r.Status = lore.StatusQueued
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var active int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE connection_id = $1 AND status IN ('queued', 'running')`, r.ConnectionID).Scan(&active)
		if err == nil {
			r.ID = active
			return lore.Errorf(lore.ECONFLICT, "Run %d is already processing this connection; wait for it or cancel it.", active)
		} else if err != sql.ErrNoRows {
			return mapErr(err)
		}
		diff := ""
		if r.Diff != nil {
			b, _ := json.Marshal(r.Diff)
			diff = string(b)
		}
		var started any
		if r.Status == lore.StatusRunning {
			started = r.CreatedAt
			r.StartedAt = &r.CreatedAt
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO runs (connection_id, kind, status, diff, created_by, created_at, started_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.ConnectionID, r.Kind, r.Status, diff, r.CreatedBy, r.CreatedAt, started).Scan(&r.ID)
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "Another run is already processing this connection; wait for it or cancel it.")
		} else if err != nil {
			return mapErr(err)
		}
		if enqueue != nil {
			return enqueue(tx, r.ID)
		}
		return nil
	})
	return err
}

// StartRun marks a queued run running and stores its diff.
func (s *Store) StartRun(ctx context.Context, runID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, $1) WHERE id = $2 AND status IN ('queued', 'running')`, s.now().UTC(), runID)
	return mapErr(err)
}

// RunItemKey names one job of one table in a run.
type RunItemKey struct {
	TableID int64
	Job     string
}

// AddRunItems records queued items for a run and calls enqueue in the same transaction to insert
// their jobs. Items already present are reset to queued (a retry).
func (s *Store) AddRunItems(ctx context.Context, runID int64, diff *lore.Diff, items []RunItemKey, enqueue func(tx *sql.Tx) error) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if diff != nil {
			b, _ := json.Marshal(diff)
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET diff = $1 WHERE id = $2`, string(b), runID); err != nil {
				return mapErr(err)
			}
		}
		const per = 3
		for start := 0; start < len(items); start += 200 {
			end := min(start+200, len(items))
			q := `INSERT INTO run_items (run_id, table_id, job, state) VALUES `
			args := make([]any, 0, (end-start)*per)
			for i, it := range items[start:end] {
				if i > 0 {
					q += ", "
				}
				q += "(" + s.dialect.placeholders(i*per+1, per) + ", 'queued')"
				args = append(args, runID, it.TableID, it.Job)
			}
			q += ` ON CONFLICT (run_id, table_id, job) DO UPDATE SET state = 'queued', error = '', finished_at = NULL`
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return mapErr(err)
			}
		}
		if enqueue != nil {
			return enqueue(tx)
		}
		return nil
	})
}

// StartItem marks an item running and counts the attempt. It returns false when the item is not
// queued or running any more (cancelled, or already done by an earlier attempt): the job must
// then do nothing.
func (s *Store) StartItem(ctx context.Context, runID int64, key RunItemKey) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE run_items SET state = 'running', attempts = attempts + 1, started_at = $1
		WHERE run_id = $2 AND table_id = $3 AND job = $4 AND state IN ('queued', 'running')`, s.now().UTC(), runID, key.TableID, key.Job)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FinishItem records an item's outcome, then finishes the run when no item is left to do. It
// reports whether this call closed the run.
func (s *Store) FinishItem(ctx context.Context, runID int64, key RunItemKey, state, errText string) (bool, error) {
	_, err := s.db.ExecContext(ctx, `UPDATE run_items SET state = $1, error = $2, finished_at = $3
		WHERE run_id = $4 AND table_id = $5 AND job = $6 AND state IN ('queued', 'running')`, state, errText, s.now().UTC(), runID, key.TableID, key.Job)
	if err != nil {
		return false, mapErr(err)
	}
	return s.FinishRunIfDone(ctx, runID)
}

// FinishRunIfDone closes a running run whose items are all finished: failed when any failed. It
// runs on its own, after the item's update committed, so that of two items finishing together
// the later one always sees both. It reports whether this call closed the run, so that exactly
// one caller counts it.
func (s *Store) FinishRunIfDone(ctx context.Context, runID int64) (bool, error) {
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, `UPDATE runs SET
		status = CASE WHEN EXISTS (SELECT 1 FROM run_items WHERE run_id = $1 AND state = 'failed') THEN 'failed' ELSE 'done' END,
		error = CASE WHEN EXISTS (SELECT 1 FROM run_items WHERE run_id = $1 AND state = 'failed') THEN 'Some tables failed: retry them from the panel.' ELSE '' END,
		finished_at = $2
		WHERE id = $1 AND status = 'running' AND diff <> '' AND NOT EXISTS (SELECT 1 FROM run_items WHERE run_id = $1 AND state IN ('queued', 'running'))`, runID, now)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FailRun ends a run with an error (the catalog step failed); its queued items are cancelled.
func (s *Store) FailRun(ctx context.Context, runID int64, errText string) error {
	return s.endRun(ctx, runID, lore.StatusFailed, errText)
}

// CancelRun cancels a queued or running run and its unfinished items. ENOTFOUND, or ECONFLICT
// when the run already ended.
func (s *Store) CancelRun(ctx context.Context, runID int64) error {
	return s.endRun(ctx, runID, lore.StatusCancelled, "Cancelled.")
}

func (s *Store) endRun(ctx context.Context, runID int64, status, errText string) error {
	now := s.now().UTC()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = $1, error = $2, finished_at = $3 WHERE id = $4 AND status IN ('queued', 'running')`, status, errText, now, runID)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var st string
			if err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = $1`, runID).Scan(&st); err == sql.ErrNoRows {
				return notFound("Run %d does not exist.", runID)
			}
			return lore.Errorf(lore.ECONFLICT, "Run %d already ended (%s).", runID, st)
		}
		_, err = tx.ExecContext(ctx, `UPDATE run_items SET state = 'cancelled', finished_at = $1 WHERE run_id = $2 AND state IN ('queued', 'running')`, now, runID)
		return mapErr(err)
	})
}

// ReopenRun puts an ended run back to running and re-queues the given items (or every failed or
// cancelled item when keys is nil), calling enqueue in the same transaction. It returns the
// re-queued items.
func (s *Store) ReopenRun(ctx context.Context, runID int64, keys []RunItemKey, enqueue func(tx *sql.Tx, items []RunItemKey) error) ([]RunItemKey, error) {
	var items []RunItemKey
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var connID int64
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT connection_id, status FROM runs WHERE id = $1`, runID).Scan(&connID, &status); err == sql.ErrNoRows {
			return notFound("Run %d does not exist.", runID)
		} else if err != nil {
			return mapErr(err)
		}
		var other int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE connection_id = $1 AND id <> $2 AND status IN ('queued', 'running')`, connID, runID).Scan(&other); err == nil {
			return lore.Errorf(lore.ECONFLICT, "Run %d is processing this connection now; retry when it ends.", other)
		}
		if keys == nil {
			rows, err := tx.QueryContext(ctx, `SELECT table_id, job FROM run_items WHERE run_id = $1 AND state IN ('failed', 'cancelled') ORDER BY table_id, job`, runID)
			if err != nil {
				return mapErr(err)
			}
			for rows.Next() {
				var k RunItemKey
				if err := rows.Scan(&k.TableID, &k.Job); err != nil {
					rows.Close()
					return err
				}
				items = append(items, k)
			}
			rows.Close()
		} else {
			items = keys
		}
		if len(items) == 0 {
			return lore.Errorf(lore.EINVALID, "Nothing to retry in run %d.", runID)
		}
		for _, k := range items {
			res, err := tx.ExecContext(ctx, `UPDATE run_items SET state = 'queued', error = '', finished_at = NULL WHERE run_id = $1 AND table_id = $2 AND job = $3 AND state <> 'running'`, runID, k.TableID, k.Job)
			if err != nil {
				return mapErr(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("Run %d has no %s job for table %d to retry.", runID, k.Job, k.TableID)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'running', error = '', finished_at = NULL WHERE id = $1`, runID); err != nil {
			if isConflict(err) {
				return lore.Errorf(lore.ECONFLICT, "Another run is processing this connection; retry when it ends.")
			}
			return mapErr(err)
		}
		return enqueue(tx, items)
	})
	return items, err
}

// AddRunTokens adds AI token use to a run.
func (s *Store) AddRunTokens(ctx context.Context, runID int64, in, out int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET input_tokens = input_tokens + $1, output_tokens = output_tokens + $2 WHERE id = $3`, in, out, runID)
	return mapErr(err)
}

const runColumns = `id, connection_id, kind, status, error, diff, created_by, input_tokens, output_tokens, created_at, started_at, finished_at`

func scanRun(sc interface{ Scan(...any) error }) (*lore.Run, error) {
	r := &lore.Run{}
	var diff string
	var started, finished sql.NullTime
	if err := sc.Scan(&r.ID, &r.ConnectionID, &r.Kind, &r.Status, &r.Error, &diff, &r.CreatedBy, &r.InputTokens, &r.OutputTokens, &r.CreatedAt, &started, &finished); err != nil {
		return nil, err
	}
	if diff != "" {
		r.Diff = &lore.Diff{}
		_ = json.Unmarshal([]byte(diff), r.Diff)
	}
	if started.Valid {
		r.StartedAt = &started.Time
	}
	if finished.Valid {
		r.FinishedAt = &finished.Time
	}
	return r, nil
}

// FindRun returns a run with its items (when withItems) and counts, or ENOTFOUND.
func (s *Store) FindRun(ctx context.Context, runID int64, withItems bool) (*lore.Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, runID))
	if err == sql.ErrNoRows {
		return nil, notFound("Run %d does not exist.", runID)
	} else if err != nil {
		return nil, mapErr(err)
	}
	if !withItems {
		return r, s.countItems(ctx, r)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.table_id, t.database_name, t.schema_name, t.name, i.job, i.state, i.error, i.attempts, i.started_at, i.finished_at
		FROM run_items i JOIN catalog_tables t ON t.id = i.table_id WHERE i.run_id = $1 ORDER BY t.schema_name, t.name, i.job`, runID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	now := s.now().UTC()
	for rows.Next() {
		var it lore.RunItem
		var db, schema, name string
		var started, finished sql.NullTime
		if err := rows.Scan(&it.TableID, &db, &schema, &name, &it.Job, &it.State, &it.Error, &it.Attempts, &started, &finished); err != nil {
			return nil, err
		}
		it.Table = db + "." + schema + "." + name
		if started.Valid {
			it.StartedAt = &started.Time
			end := now
			if finished.Valid {
				end = finished.Time
			}
			it.ElapsedMS = end.Sub(started.Time).Milliseconds()
		}
		r.Counts.Total++
		switch it.State {
		case lore.StatusQueued:
			r.Counts.Queued++
		case lore.StatusRunning:
			r.Counts.Running++
		case lore.StatusDone:
			r.Counts.Done++
		case lore.StatusFailed:
			r.Counts.Failed++
		case lore.StatusCancelled:
			r.Counts.Cancelled++
		}
		if withItems {
			r.Tables = append(r.Tables, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	finishedN := r.Counts.Done + r.Counts.Failed
	left := r.Counts.Queued + r.Counts.Running
	if r.StartedAt != nil && finishedN > 0 && left > 0 {
		// The pace so far: wall time per finished item, applied to what is left.
		per := now.Sub(*r.StartedAt) / time.Duration(finishedN)
		eta := int((per * time.Duration(left)).Seconds())
		r.ETASeconds = &eta
	}
	if withItems && r.Tables == nil {
		r.Tables = []lore.RunItem{}
	}
	return r, nil
}

// LatestRun returns the newest run of a connection, or ENOTFOUND.
func (s *Store) LatestRun(ctx context.Context, connID int64) (*lore.Run, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM runs WHERE connection_id = $1 ORDER BY id DESC LIMIT 1`, connID).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, notFound("No run yet for connection %d.", connID)
	} else if err != nil {
		return nil, mapErr(err)
	}
	return s.FindRun(ctx, id, true)
}

// countItems fills a run's counts with one aggregate query.
func (s *Store) countItems(ctx context.Context, r *lore.Run) error {
	rows, err := s.db.QueryContext(ctx, `SELECT state, count(*) FROM run_items WHERE run_id = $1 GROUP BY state`, r.ID)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return err
		}
		r.Counts.Total += n
		switch state {
		case lore.StatusQueued:
			r.Counts.Queued = n
		case lore.StatusRunning:
			r.Counts.Running = n
		case lore.StatusDone:
			r.Counts.Done = n
		case lore.StatusFailed:
			r.Counts.Failed = n
		case lore.StatusCancelled:
			r.Counts.Cancelled = n
		}
	}
	return rows.Err()
}
