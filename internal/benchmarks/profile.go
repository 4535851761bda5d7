package benchmarks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/profile"
	"github.com/lorehq/lore/warehouse"
)

// profileConcurrency is the per-connection concurrency the profile jobs use by default.
const profileConcurrency = lore.DefaultConcurrency

// profileBench is issue 7: statements per table, profiling wh_large (and wh_prof when present)
// against one aggregate statement per table run with psql, and Data API calls per table.
func (r *Runner) profileBench(ctx context.Context) error {
	metas, err := r.largeMetas(ctx)
	if err != nil {
		return err
	}
	var gots, refs []time.Duration
	var stmts int64
	for range 3 {
		ref, err := r.aggregateReference(ctx, whLarge.Name, metas)
		if err != nil {
			return err
		}
		got, st, err := r.profileAll(ctx, warehouse.TypePostgres, r.pgConfig(whLarge.Name), whLarge.Name, metas)
		if err != nil {
			return err
		}
		gots, refs, stmts = append(gots, got), append(refs, ref), st.Statements
	}
	perCol := 0
	for _, m := range metas {
		perCol += profile.PerColumnStatements(lore.DialectPostgres, m)
	}
	perTable := float64(stmts) / float64(len(metas))
	r.add(Row{Name: "profile: statements per table (PostgreSQL)", Lore: fmt.Sprintf("%.2f", perTable),
		Ref: fmt.Sprintf("%.1f per-column", float64(perCol)/float64(len(metas))), Ratio: fmt.Sprintf("%.2f×", perTable*float64(len(metas))/float64(perCol)),
		Target: "≤ 2", Status: passFail(perTable <= 2),
		Note: fmt.Sprintf("%d statements for %d tables and views of wh_large; the reference is profile.PerColumnStatements for the same tables (%d statements), what a per-column profiler sends", stmts, len(metas), perCol)})
	r.compare(fmt.Sprintf("profile wh_large (%d tables), PostgreSQL", len(metas)), medianOf(gots), medianOf(refs), 1.5,
		fmt.Sprintf("profile.Table on every table through the PostgreSQL connector, %d at a time (the per-connection default), aggregate and sample statements; vs psql -f running one count/min/max aggregate statement per table, generated from the catalog; interleaved, median of 3", profileConcurrency))
	if err := r.profProfile(ctx); err != nil {
		return err
	}
	return r.redshiftProfile(ctx)
}

// profileAll profiles every table of metas through a new connector, profileConcurrency at a
// time, and returns the time and the connector's counters.
func (r *Runner) profileAll(ctx context.Context, typ string, cfg warehouse.Config, db string, metas []lore.TableMeta) (time.Duration, warehouse.Stats, error) {
	c, err := warehouse.Open(ctx, typ, cfg)
	if err != nil {
		return 0, warehouse.Stats{}, err
	}
	defer c.Close()
	var q lore.Querier
	if dq, ok := c.(warehouse.DatabaseQuerier); ok {
		q = dq.QuerierFor(db)
	} else if lq, ok := c.(lore.Querier); ok {
		q = lq
	} else {
		return 0, warehouse.Stats{}, fmt.Errorf("the %s connector cannot run queries", typ)
	}
	work := make(chan lore.TableMeta)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range profileConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				if _, err := profile.Table(ctx, q, m, profile.Options{}); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("profile %s: %w", m.Ref, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, m := range metas {
		work <- m
	}
	close(work)
	wg.Wait()
	return time.Since(start), stats(c), firstErr
}

// aggregateScript writes one aggregate statement per table: count(*), and per column count,
// plus min and max of numeric and date/time columns.
func aggregateScript(metas []lore.TableMeta) string {
	var b strings.Builder
	for _, m := range metas {
		b.WriteString("SELECT count(*)")
		for _, c := range m.Columns {
			col := quoteIdent(c.Name)
			fmt.Fprintf(&b, ", count(%s)", col)
			if orderable(c.Type) {
				fmt.Fprintf(&b, ", min(%s), max(%s)", col, col)
			}
		}
		fmt.Fprintf(&b, " FROM %s.%s;\n", quoteIdent(m.Ref.Schema), quoteIdent(m.Ref.Name))
	}
	return b.String()
}

// orderable reports numeric and date/time types, whose min and max the profiler reads.
func orderable(typ string) bool {
	t := strings.ToLower(typ)
	for _, p := range []string{"int", "numeric", "decimal", "real", "double", "timestamp", "date", "time"} {
		if strings.HasPrefix(t, p) || strings.Contains(t, " "+p) {
			return true
		}
	}
	return false
}

// aggregateReference runs the aggregate script with psql against database db.
func (r *Runner) aggregateReference(ctx context.Context, db string, metas []lore.TableMeta) (time.Duration, error) {
	f, err := os.CreateTemp("", "lore-bench-aggregate-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(aggregateScript(metas)); err != nil {
		f.Close()
		return 0, err
	}
	f.Close()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.DevNull, "-f", f.Name(), r.dbURL(db)).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("psql aggregate reference: %v: %s (is psql installed?)", err, strings.TrimSpace(string(out)))
	}
	return time.Since(start), nil
}

// profProfile profiles the 10 × 1M-row warehouse when it exists or -prof asks to build it.
func (r *Runner) profProfile(ctx context.Context) error {
	const name = "profile wh_prof (10 × 1M rows), PostgreSQL"
	if !r.opts.Prof && !r.present(ctx, whProf) {
		r.add(Row{Name: name, Lore: "skipped", Target: "≤ 1.5×", Status: "skipped",
			Note: "wh_prof does not exist: run with -prof to build it (" + whProf.Build + ") or build it with " + whProf.command()})
		return nil
	}
	if err := r.ensure(ctx, whProf); err != nil {
		return err
	}
	c, err := r.openPG(ctx, whProf.Name)
	if err != nil {
		return err
	}
	metas, err := c.Catalog(ctx, schemasOf(whProf.Name, whProf.Schemas))
	c.Close()
	if err != nil {
		return err
	}
	ref, err := r.aggregateReference(ctx, whProf.Name, metas)
	if err != nil {
		return err
	}
	got, _, err := r.profileAll(ctx, warehouse.TypePostgres, r.pgConfig(whProf.Name), whProf.Name, metas)
	if err != nil {
		return err
	}
	r.compare(name, got, ref, 1.5, "one pass each, back to back (each reads 3.8 GB)")
	return nil
}

// redshiftProfile counts the Data API calls per table of profiling wh_small through the
// Redshift connector and the local endpoint.
func (r *Runner) redshiftProfile(ctx context.Context) error {
	if err := r.ensure(ctx, whSmall); err != nil {
		return err
	}
	cfg, stop, err := r.redshiftEndpoint(ctx, whSmall.Name)
	if err != nil {
		return err
	}
	defer stop()
	pc, err := r.openPG(ctx, whSmall.Name)
	if err != nil {
		return err
	}
	metas, err := pc.Catalog(ctx, schemasOf(whSmall.Name, whSmall.Schemas))
	pc.Close()
	if err != nil {
		return err
	}
	d, st, err := r.profileAll(ctx, warehouse.TypeRedshift, cfg, whSmall.Name, metas)
	if err != nil {
		return err
	}
	perCol := 0
	for _, m := range metas {
		perCol += profile.PerColumnStatements(lore.DialectRedshift, m)
	}
	n := float64(len(metas))
	calls := float64(st.APICalls) / n
	r.add(Row{Name: "profile: Data API calls per table (Redshift)", Lore: fmt.Sprintf("%.1f calls", calls),
		Ref: fmt.Sprintf("≥ %.0f calls per-column", 3*float64(perCol)/n), Ratio: fmt.Sprintf("%.2f×", float64(st.APICalls)/(3*float64(perCol))),
		Target: "≤ 2 statements", Status: passFail(float64(st.Statements)/n <= 2),
		Note: fmt.Sprintf("wh_small (%d tables and views) through the Redshift connector and the local endpoint in %s: %d statements, %d Data API calls (execute, describe polls, result pages); a per-column profiler would send %.1f statements per table (profile.PerColumnStatements), each at least 3 calls",
			len(metas), fmtDur(d), st.Statements, st.APICalls, float64(perCol)/n)})
	return nil
}

// quoteIdent quotes a PostgreSQL identifier for the reference script (names come from the
// synthetic warehouse's catalog).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
