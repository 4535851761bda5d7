package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
)

func openStores(t *testing.T) map[string]*store.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.Store{}
	lite, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), StoreKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out["sqlite"] = lite
	pg, err := store.Open(ctx, store.Config{DatabaseURL: testpg.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	out["postgres"] = pg
	return out
}

// TestEnqueueWorkComplete proves enqueue → work → completion on both stores, with the job
// inserted in the same transaction as an application write.
func TestEnqueueWorkComplete(t *testing.T) {
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := jobs.Migrate(ctx, s.DB(), s.Dialect()); err != nil {
				t.Fatal(err)
			}
			// A second migrate is a no-op.
			if err := jobs.Migrate(ctx, s.DB(), s.Dialect()); err != nil {
				t.Fatal(err)
			}
			done := make(chan string, 10)
			workers := river.NewWorkers()
			river.AddWorker(workers, &jobs.PingWorker{Done: func(n string) { done <- n }})
			q, err := jobs.New(jobs.Config{DB: s.DB(), Dialect: s.Dialect(), Work: true}, workers)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(ctx)

			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Client().InsertTx(ctx, tx, jobs.PingArgs{Note: "hello"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			select {
			case n := <-done:
				if n != "hello" {
					t.Fatalf("worked note %q", n)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("job was not worked within 20 s")
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				j, err := q.Client().JobGet(ctx, res.Job.ID)
				if err != nil {
					t.Fatal(err)
				}
				if j.State == rivertype.JobStateCompleted {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("job state %s, want completed", j.State)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
