package benchmarks

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
)

// storeTimes is one pass over a store: catalog write, tree read, 2,000 no-op jobs.
type storeTimes struct {
	apply, list, jobs time.Duration
	tables            int
}

// storeBench is issue 11: the encrypted SQLite store against a plain one, each opened fresh,
// interleaved, median of 3.
func (r *Runner) storeBench(ctx context.Context) error {
	metas, err := r.largeMetas(ctx)
	if err != nil {
		return err
	}
	var enc, plain []storeTimes
	for range 3 {
		for _, encrypted := range []bool{true, false} {
			t, err := storePass(ctx, metas, encrypted)
			if err != nil {
				return err
			}
			if encrypted {
				enc = append(enc, t)
			} else {
				plain = append(plain, t)
			}
		}
	}
	pick := func(ts []storeTimes, f func(storeTimes) time.Duration) time.Duration {
		var ds []time.Duration
		for _, t := range ts {
			ds = append(ds, f(t))
		}
		return medianOf(ds)
	}
	note := "encrypted SQLite store (adiantum VFS, as `lore serve` opens it) vs store.Open with StoreKey nil, fresh data dir each pass; interleaved, median of 3"
	r.compare(fmt.Sprintf("store: ApplyCatalog of %d tables, encrypted vs plain", len(metas)), pick(enc, func(t storeTimes) time.Duration { return t.apply }),
		pick(plain, func(t storeTimes) time.Duration { return t.apply }), 1.5, note)
	r.compare(fmt.Sprintf("store: ListTables (tree, %d tables), encrypted vs plain", enc[0].tables), pick(enc, func(t storeTimes) time.Duration { return t.list }),
		pick(plain, func(t storeTimes) time.Duration { return t.list }), 1.5, "")
	r.compare("store: 2,000 no-op River jobs, encrypted vs plain", pick(enc, func(t storeTimes) time.Duration { return t.jobs }),
		pick(plain, func(t storeTimes) time.Duration { return t.jobs }), 1.5,
		"InsertMany of 2,000 ping jobs until the last one completed; River on the store's SQLite file, 50 workers, 20 ms poll")
	return nil
}

// storePass opens a fresh SQLite store and times the three operations.
func storePass(ctx context.Context, metas []lore.TableMeta, encrypted bool) (storeTimes, error) {
	var t storeTimes
	dir, err := os.MkdirTemp("", "lore-bench-store-*")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(dir)
	var key []byte
	if encrypted {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	s, err := store.Open(ctx, store.Config{DataDir: dir, StoreKey: key})
	if err != nil {
		return t, err
	}
	defer s.Close()
	if err := jobs.Migrate(ctx, s.DB(), s.Dialect()); err != nil {
		return t, err
	}
	c := &lore.Connection{Name: "bench", Type: lore.TypePostgres, Config: map[string]string{"host": "127.0.0.1", "database": "wh_large"}}
	if err := s.CreateConnection(ctx, c, nil); err != nil {
		return t, err
	}
	start := time.Now()
	if _, err := s.ApplyCatalog(ctx, c.ID, metas); err != nil {
		return t, err
	}
	t.apply = time.Since(start)
	start = time.Now()
	ts, err := s.ListTables(ctx, store.TableFilter{ConnectionID: c.ID})
	if err != nil {
		return t, err
	}
	t.list, t.tables = time.Since(start), len(ts)
	t.jobs, err = pingJobs(ctx, s, 2000)
	return t, err
}

// pingJobs inserts n ping jobs in one InsertMany and waits until all completed.
func pingJobs(ctx context.Context, s *store.Store, n int) (time.Duration, error) {
	var done atomic.Int64
	finished := make(chan struct{})
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.PingWorker{Done: func(string) {
		if done.Add(1) == int64(n) {
			close(finished)
		}
	}})
	q, err := jobs.New(jobs.Config{DB: s.DB(), Dialect: s.Dialect(), Work: true, MaxWorkers: 50, PollInterval: 20 * time.Millisecond}, workers)
	if err != nil {
		return 0, err
	}
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		return 0, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(sctx)
	}()
	params := make([]river.InsertManyParams, n)
	for i := range params {
		params[i] = river.InsertManyParams{Args: jobs.PingArgs{Note: "bench"}}
	}
	start := time.Now()
	if _, err := q.Client().InsertMany(ctx, params); err != nil {
		return 0, err
	}
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		return 0, fmt.Errorf("only %d of %d ping jobs completed within 2 minutes", done.Load(), n)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return time.Since(start), nil
}
