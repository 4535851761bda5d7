package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/jobs"
)

// TestRestartInTheMiddleOfARun stops Lore with a run's jobs queued and one marked running (as a
// crash leaves them), starts it again on the same data dir, and checks the run completes with
// every table stored once.
func TestRestartInTheMiddleOfARun(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}, false); err != nil {
		t.Fatal(err)
	}
	dataDir := e.st.Options.DataDir
	e.st.Close()

	// A web-only Lore queues the run; nothing works it.
	web, err := stack.Open(ctx, stack.Options{DataDir: dataDir, Migrate: true, Queue: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := web.Catalog.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	// As a crash leaves it: the catalog job was picked up and never finished.
	if _, err := web.Store.DB().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = CURRENT_TIMESTAMP WHERE kind = 'catalog'`); err != nil {
		t.Fatal(err)
	}
	web.Close()

	st, err := stack.Open(ctx, stack.Options{DataDir: dataDir, Migrate: true, Queue: true, Work: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := jobs.RecoverInterrupted(ctx, st.Store.DB()); err != nil || n != 1 {
		t.Fatalf("recovered %d jobs, err %v; want the interrupted catalog job", n, err)
	}
	if err := st.Queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	run = waitRun(t, st.Catalog, run.ID)
	if run.Status != lore.StatusDone || run.Counts.Done != 14 {
		t.Fatalf("run after restart: %s %+v", run.Status, run.Counts)
	}
	var tables, distinct, profiles int
	st.Store.DB().QueryRow(`SELECT count(*), count(DISTINCT schema_name || '.' || name) FROM catalog_tables`).Scan(&tables, &distinct)
	st.Store.DB().QueryRow(`SELECT count(*) FROM profiles`).Scan(&profiles)
	if tables != 7 || distinct != 7 || profiles != 7 {
		t.Fatalf("after restart: %d tables (%d distinct), %d profiles; want 7 of each", tables, distinct, profiles)
	}
}
