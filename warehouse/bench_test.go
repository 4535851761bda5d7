package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/redshiftlocal"
)

// benchDatabase returns the URL of the synthetic warehouse db, skipping unless LORE_BENCH=1
// and the database exists (build it with ../shared/bench/gen_warehouse.sh).
func benchDatabase(b *testing.B, db, genArgs string) string {
	b.Helper()
	if os.Getenv("LORE_BENCH") != "1" {
		b.Skip("set LORE_BENCH=1 to run catalog benchmarks")
	}
	admin := testpg.ServerURL(b)
	raw, err := sql.Open("pgx", admin)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, db).Scan(&n); err != nil || n == 0 {
		b.Skipf("database %s missing: run PGHOST=127.0.0.1 PGUSER=postgres ../shared/bench/gen_warehouse.sh %s %s", db, db, genArgs)
	}
	return testpg.WithDatabase(admin, db)
}

// referenceCatalog runs ../shared/bench/bulk_catalog.sql (four set-based statements) through
// pgx, reading every row, and returns the time it took.
func referenceCatalog(b *testing.B, dbURL string) time.Duration {
	b.Helper()
	text, err := os.ReadFile(filepath.Join(testpg.SharedDir(b), "bench", "bulk_catalog.sql"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	for _, stmt := range strings.Split(string(text), ";\n") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		rows, err := conn.Query(ctx, stmt)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			_ = rows.RawValues()
		}
		if rows.Err() != nil {
			b.Fatal(rows.Err())
		}
	}
	return time.Since(start)
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// catalogAll catalogs every wh_s* schema of dbURL through the PostgreSQL connector and returns
// the time, the tables, the columns, the statements run and the peak heap in use.
func catalogAll(b *testing.B, dbURL string, schemas int) (time.Duration, int, int, int64, uint64) {
	b.Helper()
	ctx := context.Background()
	cfg := pgConfig(b, dbURL)
	c, err := Open(ctx, TypePostgres, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var sel Selection
	for i := 0; i < schemas; i++ {
		sel = append(sel, SelectionItem{Database: cfg.Settings["database"], Schema: fmt.Sprintf("wh_s%03d", i)})
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the heap while the catalog streams
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	runtime.GC()
	tables, cols := 0, 0
	start := time.Now()
	err = c.CatalogEach(ctx, sel, func(t lore.TableMeta) error {
		tables++
		cols += len(t.Columns)
		return nil
	})
	elapsed := time.Since(start)
	close(stop)
	<-done
	if err != nil {
		b.Fatal(err)
	}
	return elapsed, tables, cols, c.(StatsReporter).Stats().Statements, peak.Load()
}

// BenchmarkCatalogLarge compares the PostgreSQL connector's catalog of the synthetic large
// warehouse (2,000 tables, 45,136 columns) with bulk_catalog.sql measured in the same run.
// Target: at most 2x the reference, with a statement count that does not grow with tables.
func BenchmarkCatalogLarge(b *testing.B) {
	dbURL := benchDatabase(b, "wh_large", "20 100 3000 20 1")
	for i := 0; i < b.N; i++ {
		ref := referenceCatalog(b, dbURL)
		got, tables, cols, stmts, peak := catalogAll(b, dbURL, 20)
		if tables != 2020 || cols != 45136 {
			b.Errorf("catalog read %d tables and %d columns, want 2020 and %d", tables, cols, 45136)
		}
		b.Logf("reference bulk_catalog.sql %v; connector %v (%d tables, %d columns, %d statements, peak heap %.1f MiB); ratio %.2f",
			ref.Round(time.Millisecond), got.Round(time.Millisecond), tables, cols, stmts, float64(peak)/(1<<20), float64(got)/float64(ref))
		b.ReportMetric(float64(got)/float64(ref), "ratio")
	}
}

// BenchmarkCatalogHuge reads the 20,000-table warehouse and reports the peak heap (target: at
// most 250 MiB).
func BenchmarkCatalogHuge(b *testing.B) {
	dbURL := benchDatabase(b, "wh_huge", "200 100 3000 200 1")
	for i := 0; i < b.N; i++ {
		ref := referenceCatalog(b, dbURL)
		got, tables, cols, stmts, peak := catalogAll(b, dbURL, 200)
		b.Logf("reference %v; connector %v (%d tables, %d columns, %d statements); peak heap %.1f MiB; ratio %.2f",
			ref.Round(time.Millisecond), got.Round(time.Millisecond), tables, cols, stmts, float64(peak)/(1<<20), float64(got)/float64(ref))
		b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	}
}

// BenchmarkRedshiftCatalogLarge reads the large warehouse through the Redshift connector and
// the local Data API endpoint, for one schema and for all twenty, and reports the Data API
// calls: they grow with result pages (about 1 MiB each), not with tables.
func BenchmarkRedshiftCatalogLarge(b *testing.B) {
	dbURL := benchDatabase(b, "wh_large", "20 100 3000 20 1")
	e := redshiftlocal.StartForTest(b, dbURL)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		for _, schemas := range []int{1, 20} {
			c, err := Open(ctx, TypeRedshift, Config{
				Settings: map[string]string{"region": e.Region, "database": e.Database, "cluster_identifier": e.Cluster,
					"db_user": e.DbUser, "endpoint_url": e.URL},
				Secrets: map[string]string{"access_key_id": e.AccessKeyID, "secret_access_key": e.SecretAccessKey},
			})
			if err != nil {
				b.Fatal(err)
			}
			var sel Selection
			for s := 0; s < schemas; s++ {
				sel = append(sel, SelectionItem{Database: e.Database, Schema: fmt.Sprintf("wh_s%03d", s)})
			}
			tables, cols := 0, 0
			start := time.Now()
			err = c.CatalogEach(ctx, sel, func(t lore.TableMeta) error {
				tables++
				cols += len(t.Columns)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			st := c.(StatsReporter).Stats()
			b.Logf("%d schema(s): %d tables, %d columns in %v: %d statements, %d Data API calls",
				schemas, tables, cols, time.Since(start).Round(time.Millisecond), st.Statements, st.APICalls)
			c.Close()
		}
	}
}
