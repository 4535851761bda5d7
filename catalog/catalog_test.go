package catalog_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/redshiftlocal"
)

type env struct {
	st    *stack.Stack
	svc   *catalog.Service
	admin *lore.User
	pgURL string
	conn  *lore.Connection
}

// setup starts a Lore stack on SQLite with workers, a TICKIT warehouse behind the local Redshift
// endpoint, and a saved Redshift connection to it.
func setup(t *testing.T, postgres bool) *env {
	t.Helper()
	ctx := context.Background()
	o := stack.Options{DataDir: t.TempDir(), Migrate: true, Queue: true, Work: true, MaxWorkers: 8, PollInterval: 20 * time.Millisecond}
	if postgres {
		o.DatabaseURL = testpg.NewDatabase(t)
	}
	st, err := stack.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, err := lore.NewAccounts(st.Store).CreateUser(ctx, "admin@example.com", "password-1", lore.RoleAdmin, false)
	if err != nil {
		t.Fatal(err)
	}
	pgURL := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, pgURL)
	ep := redshiftlocal.StartForTest(t, pgURL)
	conn, err := st.Catalog.CreateConnection(ctx, admin, lore.ConnectionInput{Name: "tickit", Type: lore.TypeRedshift,
		Config:  map[string]string{"region": ep.Region, "database": ep.Database, "cluster_identifier": ep.Cluster, "db_user": ep.DbUser, "endpoint_url": ep.URL},
		Secrets: map[string]string{"access_key_id": ep.AccessKeyID, "secret_access_key": ep.SecretAccessKey}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, svc: st.Catalog, admin: admin, pgURL: pgURL, conn: conn}
}

func waitRun(t *testing.T, svc *catalog.Service, id int64) *lore.Run {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		r, err := svc.GetRun(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != lore.StatusQueued && r.Status != lore.StatusRunning {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s: %+v", id, r.Status, r.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func findTable(t *testing.T, svc *catalog.Service, connID int64, name string) *lore.Table {
	t.Helper()
	ts, err := svc.ListTables(context.Background(), connID, name, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, lt := range ts {
		if lt.Name == name {
			full, err := svc.GetTable(context.Background(), lt.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	t.Fatalf("table %s not stored", name)
	return nil
}

func column(t *testing.T, tb *lore.Table, name string) lore.Column {
	t.Helper()
	for _, c := range tb.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %s in %s", name, tb.Name)
	return lore.Column{}
}

// TestProcessTICKITThroughRedshift is the product flow on the service: select tickit, Save and
// Process, and find every table stored, profiled and described with sources; then Refresh after
// warehouse changes.
func TestProcessTICKITThroughRedshift(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			e := setup(t, pg)
			ctx := context.Background()
			db := e.conn.Config["database"]
			sel := lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}
			if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, sel, false); err != nil {
				t.Fatal(err)
			}
			run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			// A second press while the run is active gets the same run.
			again, err := e.svc.Process(ctx, e.admin, e.conn.ID)
			if err != nil || again.ID != run.ID {
				t.Fatalf("second process: run %v err %v, want run %d", again, err, run.ID)
			}
			run = waitRun(t, e.svc, run.ID)
			if run.Status != lore.StatusDone || run.Counts.Total != 14 || run.Counts.Done != 14 {
				t.Fatalf("run: %s %+v %+v", run.Status, run.Counts, run.Tables)
			}
			ts, _ := e.svc.ListTables(ctx, e.conn.ID, "", 0, 0)
			if len(ts) != 7 {
				t.Fatalf("%d tables stored, want 7", len(ts))
			}
			venue := findTable(t, e.svc, e.conn.ID, "venue")
			seats := column(t, venue, "venueseats")
			if seats.Profile == nil || seats.Profile.Min == nil || *seats.Profile.Min != "0" || *seats.Profile.Max != "91704" {
				t.Fatalf("venueseats profile: %+v", seats.Profile)
			}
			event := findTable(t, e.svc, e.conn.ID, "event")
			en := column(t, event, "eventname")
			if en.Profile == nil || len(en.Profile.Samples) == 0 {
				t.Fatalf("eventname has no samples: %+v", en.Profile)
			}
			if en.Description.Source != lore.SourceHeuristic || en.Description.Text == "" {
				t.Fatalf("eventname description: %+v", en.Description)
			}
			// Refresh after a new table and a dropped column.
			wh, err := sql.Open("pgx", e.pgURL)
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			if _, err := wh.Exec(`CREATE TABLE tickit.promo (promoid int primary key, code varchar(20)); ALTER TABLE tickit.venue DROP COLUMN venuestate`); err != nil {
				t.Fatal(err)
			}
			ref, err := e.svc.Refresh(ctx, e.admin, e.conn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Diff == nil || len(ref.Diff.Added) != 1 || len(ref.Diff.Changed) != 1 || len(ref.Diff.Changed[0].ColumnsDropped) != 1 {
				t.Fatalf("refresh diff: %+v", ref.Diff)
			}
			ref = waitRun(t, e.svc, ref.ID)
			if ref.Counts.Total != 4 || ref.Status != lore.StatusDone {
				t.Fatalf("refresh run processed %+v (%s), want only the 2 new or changed tables", ref.Counts, ref.Status)
			}
		})
	}
}

// TestSecretsAndSamplesAreNotInTheRawStore checks the store file holds neither the secret key nor
// table names or sampled values (the file is encrypted as a whole, fields are sealed).
func TestSecretsAndSamplesAreNotInTheRawStore(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", Table: "event"}, {Database: db, Schema: "tickit", Table: "venue"}}}, false); err != nil {
		t.Fatal(err)
	}
	run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, e.svc, run.ID); r.Status != lore.StatusDone {
		t.Fatalf("run %s: %+v", r.Status, r.Tables)
	}
	event := findTable(t, e.svc, e.conn.ID, "event")
	sample := column(t, event, "eventname").Profile.Samples[0]
	secretKey := "lore-local-test-secret"
	description := column(t, event, "eventname").Description.Text
	if description == "" {
		t.Fatal("eventname has no description")
	}
	e.st.Store.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	secrets, _ := e.st.Store.ConnectionSecrets(ctx, e.conn.ID)
	if len(secrets) != 2 {
		t.Fatalf("%d secrets stored", len(secrets))
	}
	entries, _ := os.ReadDir(e.st.Options.DataDir)
	for _, ent := range entries {
		raw, err := os.ReadFile(filepath.Join(e.st.Options.DataDir, ent.Name()))
		if err != nil {
			continue
		}
		for _, needle := range []string{"venuename", "eventname", sample, secretKey, description} {
			if needle != "" && bytesContains(raw, needle) {
				t.Errorf("%q found in the raw bytes of %s", needle, ent.Name())
			}
		}
	}
}

func bytesContains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

func openWarehouse(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
