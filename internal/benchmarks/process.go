package benchmarks

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/warehouse"
)

// processBench is issue 6: Save and Process of wh_large with only the catalog step, on SQLite
// and on PostgreSQL, each against the connector's own catalog pass measured back to back; and
// listing a 1,000-table schema in the tree.
func (r *Runner) processBench(ctx context.Context) error {
	if err := r.ensure(ctx, whLarge); err != nil {
		return err
	}
	for _, pg := range []bool{false, true} {
		var gots, refs []time.Duration
		var tables int
		for range 3 {
			ref, err := r.connectorCatalog(ctx)
			if err != nil {
				return err
			}
			got, n, err := r.freshProcess(ctx, pg)
			if err != nil {
				return err
			}
			gots, refs, tables = append(gots, got), append(refs, ref), n
		}
		storeName := "SQLite (encrypted)"
		if pg {
			storeName = "PostgreSQL"
		}
		r.compare("Save and Process wh_large, "+storeName, medianOf(gots), medianOf(refs), 3,
			fmt.Sprintf("Process() to run done on a fresh %s store, catalog step only (JobKinds empty), %d tables and views stored, queue with `lore serve`'s defaults; vs the PostgreSQL connector's Catalog() of the same selection; interleaved, median of 3", storeName, tables))
	}
	return r.treeBench(ctx)
}

// connectorCatalog times the PostgreSQL connector's Catalog() of wh_large's twenty schemas,
// as the catalog step calls it.
func (r *Runner) connectorCatalog(ctx context.Context) (time.Duration, error) {
	c, err := r.openPG(ctx, whLarge.Name)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	start := time.Now()
	_, err = c.Catalog(ctx, schemasOf(whLarge.Name, whLarge.Schemas))
	return time.Since(start), err
}

// freshProcess opens a new Lore (SQLite, or PostgreSQL in a scratch database) and times its
// first Save and Process of wh_large.
func (r *Runner) freshProcess(ctx context.Context, pg bool) (time.Duration, int, error) {
	dbURL := ""
	if pg {
		u, drop, err := r.scratchDatabase(ctx, "lore_bench_store")
		if err != nil {
			return 0, 0, err
		}
		defer drop()
		dbURL = u
	}
	e, err := r.openLore(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer e.Close()
	d, _, err := e.process(ctx)
	if err != nil {
		return 0, 0, err
	}
	ts, err := e.st.Store.ListTables(ctx, store.TableFilter{ConnectionID: e.connID})
	return d, len(ts), err
}

// treeSchema is the dedicated 1,000-table schema of the scratch database wh_tree.
const (
	treeDB     = "wh_tree"
	treeSchema = "tree1000"
	treeTables = 1000
)

// ensureTree creates wh_tree with one schema of 1,000 small tables when it is missing.
func (r *Runner) ensureTree(ctx context.Context) error {
	admin, err := sql.Open("pgx", r.opts.ServerURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, treeDB).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+treeDB); err != nil {
			return err
		}
	}
	db, err := sql.Open("pgx", r.dbURL(treeDB))
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, treeSchema).Scan(&n); err != nil {
		return err
	}
	if n == treeTables {
		return nil
	}
	start := time.Now()
	_, err = db.ExecContext(ctx, fmt.Sprintf(`DROP SCHEMA IF EXISTS %[1]s CASCADE; CREATE SCHEMA %[1]s;
DO $$ BEGIN
  FOR i IN 1..%[2]d LOOP
    EXECUTE format('CREATE TABLE %[1]s.t_%%s (id bigint PRIMARY KEY, name text, created_at timestamp)', lpad(i::text, 4, '0'));
  END LOOP;
END $$`, treeSchema, treeTables))
	if err != nil {
		return fmt.Errorf("create %s.%s: %w", treeDB, treeSchema, err)
	}
	r.logf("   built %s.%s (%d tables) in %s", treeDB, treeSchema, treeTables, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// treeBench times listing the 1,000-table schema through Lore's API (the connector's Tables()
// page of 1,000 behind the tree) against the same listing straight from pg_catalog.
func (r *Runner) treeBench(ctx context.Context) error {
	if err := r.ensureTree(ctx); err != nil {
		return err
	}
	e, err := r.sqliteLore(ctx)
	if err != nil {
		return err
	}
	connID, err := e.connect(ctx, r, synthetic{Name: treeDB})
	if err != nil {
		return err
	}
	base, err := e.serve()
	if err != nil {
		return err
	}
	path := fmt.Sprintf("%s/api/v1/connections/%d/databases/%s/schemas/%s/tables?limit=%d", base, connID, treeDB, treeSchema, warehouse.MaxPageLimit)
	items := 0
	get := func() (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, body)
		}
		items = countItems(body)
		return d, err
	}
	db, err := sql.Open("pgx", r.dbURL(treeDB))
	if err != nil {
		return err
	}
	defer db.Close()
	direct := func() (time.Duration, error) {
		start := time.Now()
		rows, err := db.QueryContext(ctx, `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname LIMIT 1000`, treeSchema)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
		}
		rows.Close()
		return time.Since(start), rows.Err()
	}
	if _, err := get(); err != nil { // warm: opens the connector's pool
		return err
	}
	if _, err := direct(); err != nil {
		return err
	}
	var gots, refs []time.Duration
	for range 5 {
		g, err := get()
		if err != nil {
			return err
		}
		d, err := direct()
		if err != nil {
			return err
		}
		gots, refs = append(gots, g), append(refs, d)
	}
	got, ref := medianOf(gots), medianOf(refs)
	r.add(Row{Name: "tree: list a 1,000-table schema", Lore: fmtDur(got), Ref: fmtDur(ref), Ratio: fmt.Sprintf("%.2f×", float64(got)/float64(ref)),
		Target: "< 100 ms", Status: passFail(got < 100*time.Millisecond && items == treeTables),
		Note: fmt.Sprintf("GET %s (%d items, one page) on the loopback Lore, as the tree asks for it, vs one pg_catalog query listing the same names; interleaved, median of 5 after a warm-up", redactQuery(path), items)})
	return nil
}

// countItems counts the entries of a listing's JSON answer by their "name" keys.
func countItems(body []byte) int {
	n := 0
	for i := 0; i+7 <= len(body); i++ {
		if string(body[i:i+7]) == `"name":` {
			n++
		}
	}
	return n
}

// redactQuery shortens a URL to its path for notes.
func redactQuery(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Path
}
