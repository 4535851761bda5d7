package benchmarks

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/redshiftlocal"
	"github.com/lorehq/lore/warehouse"
)

// catalogBench is issue 5: the PostgreSQL connector's catalog pass against bulk_catalog.sql,
// its statement count at 50 and 2,000 tables, the Redshift connector's Data API calls for 1 and
// 20 schemas, and the peak heap of a 20,000-table pass.
func (r *Runner) catalogBench(ctx context.Context) error {
	if err := r.ensure(ctx, whSmall); err != nil {
		return err
	}
	if err := r.ensure(ctx, whLarge); err != nil {
		return err
	}
	var refs, gots []time.Duration
	var large catalogPass
	for range 3 {
		ref, err := r.referenceCatalog(ctx, whLarge.Name)
		if err != nil {
			return err
		}
		p, err := r.catalogPass(ctx, whLarge, false)
		if err != nil {
			return err
		}
		refs, gots, large = append(refs, ref), append(gots, p.elapsed), p
	}
	r.compare("catalog wh_large, PostgreSQL (2,020 tables and views)", medianOf(gots), medianOf(refs), 2,
		fmt.Sprintf("catalog of wh_large through the PostgreSQL connector (%d tables and views, %d columns) vs the four queries of bulk_catalog.sql through pgx, reading every row; interleaved, median of 3", large.tables, large.columns))
	small, err := r.catalogPass(ctx, whSmall, false)
	if err != nil {
		return err
	}
	r.add(Row{Name: "catalog statements, 2,000 vs 50 tables", Lore: fmt.Sprintf("%d statements", large.statements),
		Ref: fmt.Sprintf("%d statements", small.statements), Ratio: fmt.Sprintf("%.2f×", float64(large.statements)/float64(small.statements)),
		Target: "same count", Status: passFail(large.statements == small.statements),
		Note: fmt.Sprintf("statements the connector ran for wh_large (%d tables) beside wh_small (%d tables): the count must not grow with tables", large.tables, small.tables)})
	if err := r.redshiftCatalog(ctx); err != nil {
		return err
	}
	return r.hugeCatalog(ctx)
}

// referenceCatalog runs bulk_catalog.sql's four statements through pgx, reading every row.
func (r *Runner) referenceCatalog(ctx context.Context, db string) (time.Duration, error) {
	text, err := os.ReadFile(filepath.Join(r.opts.SharedDir, "bench", "bulk_catalog.sql"))
	if err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, r.dbURL(db))
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	for _, stmt := range strings.Split(string(text), ";\n") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		rows, err := conn.Query(ctx, stmt)
		if err != nil {
			return 0, fmt.Errorf("bulk_catalog.sql: %w", err)
		}
		for rows.Next() {
			_ = rows.RawValues()
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("bulk_catalog.sql: %w", err)
		}
	}
	return time.Since(start), nil
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

// catalogPass is one streamed catalog pass through the PostgreSQL connector.
type catalogPass struct {
	elapsed         time.Duration
	tables, columns int
	statements      int64
	peakHeap        uint64
}

// catalogPass reads every wh_s* schema of w through CatalogEach; with sampleHeap it samples
// the heap in use every 10 ms and keeps the peak.
func (r *Runner) catalogPass(ctx context.Context, w synthetic, sampleHeap bool) (catalogPass, error) {
	var p catalogPass
	c, err := r.openPG(ctx, w.Name)
	if err != nil {
		return p, err
	}
	defer c.Close()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	if sampleHeap {
		runtime.GC()
		go func() {
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
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
	} else {
		close(done)
	}
	start := time.Now()
	err = c.CatalogEach(ctx, schemasOf(w.Name, w.Schemas), func(t lore.TableMeta) error {
		p.tables++
		p.columns += len(t.Columns)
		return nil
	})
	p.elapsed = time.Since(start)
	close(stop)
	<-done
	if err != nil {
		return p, err
	}
	p.statements, p.peakHeap = stats(c).Statements, peak.Load()
	return p, nil
}

// redshiftEndpoint starts the local Data API endpoint over database db on a loopback port and
// returns the connector configuration that reaches it.
func (r *Runner) redshiftEndpoint(ctx context.Context, db string) (warehouse.Config, func(), error) {
	pc, err := pgx.ParseConfig(r.dbURL(db))
	if err != nil {
		return warehouse.Config{}, nil, err
	}
	const key, secret, cluster = "AKIALOREBENCH", "lore-bench-secret", "lore-bench"
	srv, err := redshiftlocal.New(redshiftlocal.Config{PostgresURL: r.dbURL(db), AccessKeyID: key, SecretAccessKey: secret,
		Clusters: []string{cluster}})
	if err != nil {
		return warehouse.Config{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return warehouse.Config{}, nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(sctx, ln)
	}()
	cfg := warehouse.Config{
		Settings: map[string]string{"region": "us-east-1", "database": db, "cluster_identifier": cluster,
			"db_user": pc.User, "endpoint_url": "http://" + ln.Addr().String()},
		Secrets: map[string]string{"access_key_id": key, "secret_access_key": secret},
	}
	return cfg, func() { cancel(); <-done }, nil
}

// redshiftCatalog counts the Data API calls of a catalog pass of 1 and of 20 schemas of
// wh_large through the Redshift connector and the local endpoint.
func (r *Runner) redshiftCatalog(ctx context.Context) error {
	cfg, stop, err := r.redshiftEndpoint(ctx, whLarge.Name)
	if err != nil {
		return err
	}
	defer stop()
	type result struct {
		tables int
		st     warehouse.Stats
		d      time.Duration
	}
	var res []result
	for _, n := range []int{1, whLarge.Schemas} {
		c, err := warehouse.Open(ctx, warehouse.TypeRedshift, cfg)
		if err != nil {
			return err
		}
		tables := 0
		start := time.Now()
		err = c.CatalogEach(ctx, schemasOf(whLarge.Name, n), func(lore.TableMeta) error { tables++; return nil })
		d := time.Since(start)
		st := stats(c)
		c.Close()
		if err != nil {
			return fmt.Errorf("redshift catalog of %d schemas: %w", n, err)
		}
		res = append(res, result{tables, st, d})
	}
	one, all := res[0], res[1]
	callRatio := float64(all.st.APICalls) / float64(one.st.APICalls)
	tableRatio := float64(all.tables) / float64(one.tables)
	r.add(Row{Name: "Redshift catalog Data API calls, 20 vs 1 schema", Lore: fmt.Sprintf("%d calls", all.st.APICalls),
		Ref: fmt.Sprintf("%d calls", one.st.APICalls), Ratio: fmt.Sprintf("%.2f×", callRatio),
		Target: fmt.Sprintf("≪ %.0f× (tables)", tableRatio), Status: passFail(callRatio <= tableRatio/4 && all.st.APICalls < int64(all.tables)/4),
		Note: fmt.Sprintf("Redshift connector through the local Data API endpoint: %d tables in %s (%d statements, %d calls) vs %d tables in %s (%d statements, %d calls); calls grow with result pages, not tables (pass: call ratio ≤ a quarter of the table ratio)",
			all.tables, fmtDur(all.d), all.st.Statements, all.st.APICalls, one.tables, fmtDur(one.d), one.st.Statements, one.st.APICalls)})
	return nil
}

// hugeCatalog measures the peak heap of a 20,000-table catalog pass, when wh_huge exists or
// -huge asks to build it.
func (r *Runner) hugeCatalog(ctx context.Context) error {
	const name = "catalog wh_huge peak heap (20,000 tables)"
	if !r.opts.Huge && !r.present(ctx, whHuge) {
		r.add(Row{Name: name, Lore: "skipped", Target: "≤ 250 MiB", Status: "skipped",
			Note: "wh_huge does not exist: run with -huge to build it (" + whHuge.Build + ") or build it with " + whHuge.command()})
		return nil
	}
	if err := r.ensure(ctx, whHuge); err != nil {
		return err
	}
	ref, err := r.referenceCatalog(ctx, whHuge.Name)
	if err != nil {
		return err
	}
	p, err := r.catalogPass(ctx, whHuge, true)
	if err != nil {
		return err
	}
	mib := float64(p.peakHeap) / (1 << 20)
	r.add(Row{Name: name, Lore: fmt.Sprintf("%.0f MiB", mib), Ref: "250 MiB", Ratio: fmt.Sprintf("%.2f×", mib/250),
		Target: "≤ 250 MiB", Status: passFail(mib <= 250),
		Note: fmt.Sprintf("peak Go heap in use (runtime.ReadMemStats every 10 ms, whole bench process) while CatalogEach streamed %d tables and %d columns in %s with %d statements; bulk_catalog.sql took %s in the same run",
			p.tables, p.columns, fmtDur(p.elapsed), p.statements, fmtDur(ref))})
	r.compare("catalog wh_huge, PostgreSQL (20,200 tables and views)", p.elapsed, ref, 2, "one pass each, back to back")
	return nil
}
