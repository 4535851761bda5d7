package warehouse

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

var awSchemas = []string{"hr", "humanresources", "pe", "person", "pr", "production", "pu", "purchasing", "sa", "sales"}

// allPages walks a listing with page size limit and returns every name.
func allPages(t *testing.T, list func(PageRequest) (Page, error), limit int, search string) []Entry {
	t.Helper()
	var out []Entry
	req := PageRequest{Limit: limit, Search: search}
	for i := 0; ; i++ {
		p, err := list(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > limit {
			t.Fatalf("page of %d items, limit %d", len(p.Items), limit)
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		if i > 100 {
			t.Fatal("listing does not end")
		}
		req.After = p.Next
	}
}

func names(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func testPostgresBrowse(t *testing.T, dbURL string) {
	ctx := context.Background()
	cfg := pgConfig(t, dbURL)
	c := openPG(t, cfg)
	db := cfg.Settings["database"]
	dbs := allPages(t, func(p PageRequest) (Page, error) { return c.Databases(ctx, p) }, 2, db)
	if got := names(dbs); len(got) != 1 || got[0] != db {
		t.Errorf("databases matching %q: %v", db, got)
	}
	schemas := names(allPages(t, func(p PageRequest) (Page, error) { return c.Schemas(ctx, db, p) }, 4, ""))
	want := append([]string{"public", "tickit"}, awSchemas...)
	sort.Strings(want)
	if strings.Join(schemas, ",") != strings.Join(want, ",") {
		t.Errorf("schemas %v, want %v", schemas, want)
	}
	tables := allPages(t, func(p PageRequest) (Page, error) { return c.Tables(ctx, db, "tickit", p) }, 3, "")
	if got := strings.Join(names(tables), ","); got != "category,date,event,listing,sales,users,venue" {
		t.Errorf("tickit tables %s", got)
	}
	for _, e := range tables {
		if e.Kind != lore.KindTable {
			t.Errorf("%s has kind %q", e.Name, e.Kind)
		}
	}
	found := allPages(t, func(p PageRequest) (Page, error) { return c.Tables(ctx, db, "tickit", p) }, 10, "SAL")
	if got := names(found); len(got) != 1 || got[0] != "sales" {
		t.Errorf("search SAL: %v", got)
	}
	views := allPages(t, func(p PageRequest) (Page, error) { return c.Tables(ctx, db, "hr", p) }, 50, "")
	if len(views) == 0 || views[0].Kind != lore.KindView {
		t.Errorf("hr views: %+v", views)
	}
}

// scalar runs a counting query directly, independent of the connector.
func scalar(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func testPostgresCatalog(t *testing.T, dbURL string) {
	ctx := context.Background()
	cfg := pgConfig(t, dbURL)
	db := cfg.Settings["database"]
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`ANALYZE tickit.venue`); err != nil {
		t.Fatal(err)
	}
	c := openPG(t, cfg)
	var sel Selection
	for _, s := range append([]string{"tickit"}, awSchemas...) {
		sel = append(sel, SelectionItem{Database: db, Schema: s})
	}
	before := c.Stats().Statements
	tables, err := c.Catalog(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Stats().Statements - before; n != 3 {
		t.Errorf("catalog ran %d statements, want 3", n)
	}
	schemaList := "'tickit','" + strings.Join(awSchemas, "','") + "'"
	wantTables := scalar(t, raw, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r','v','m') AND n.nspname IN (`+schemaList+`)`)
	wantCols := scalar(t, raw, `SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','v','m') AND n.nspname IN (`+schemaList+`)`)
	var cols, fks, pks, tcom, ccom int
	byName := map[string]lore.TableMeta{}
	for _, tm := range tables {
		byName[tm.Ref.Schema+"."+tm.Ref.Name] = tm
		cols += len(tm.Columns)
		fks += len(tm.ForeignKeys)
		if len(tm.PrimaryKey) > 0 {
			pks++
		}
		if tm.Comment != "" {
			tcom++
		}
		for i, col := range tm.Columns {
			if col.Comment != "" {
				ccom++
			}
			if i > 0 && col.Position <= tm.Columns[i-1].Position {
				t.Errorf("%s: columns out of order", tm.Ref)
			}
			if col.PrimaryKey != contains(tm.PrimaryKey, col.Name) {
				t.Errorf("%s.%s: primary key flag %v", tm.Ref, col.Name, col.PrimaryKey)
			}
		}
		for _, fk := range tm.ForeignKeys {
			if len(fk.Columns) == 0 || len(fk.Columns) != len(fk.RefColumns) || fk.Ref.Schema == "" || fk.Ref.Database != db {
				t.Errorf("%s: malformed foreign key %+v", tm.Ref, fk)
			}
		}
	}
	if len(tables) != wantTables || cols != wantCols {
		t.Errorf("got %d tables / %d columns, want %d / %d", len(tables), cols, wantTables, wantCols)
	}
	wantFKs := scalar(t, raw, `SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace::regnamespace::text IN (`+schemaList+`)`)
	if fks != wantFKs || fks < 86 || pks != 68 || tcom != 68 || ccom != 359 {
		t.Errorf("got %d FKs, %d PKs, %d table comments, %d column comments; want %d, 68, 68, 359", fks, pks, tcom, ccom, wantFKs)
	}
	sales := byName["tickit.sales"]
	pp := findColumn(sales, "pricepaid")
	if pp.Type != "numeric(8,2)" || !pp.Nullable || pp.Position != 8 {
		t.Errorf("tickit.sales.pricepaid: %+v", pp)
	}
	if id := findColumn(sales, "salesid"); id.Nullable || id.Type != "integer" {
		t.Errorf("tickit.sales.salesid: %+v", id)
	}
	if h := findColumn(byName["tickit.date"], "holiday"); h.Default == "" {
		t.Errorf("tickit.date.holiday has no default: %+v", h)
	}
	if v := byName["tickit.venue"]; v.RowEstimate != 202 || v.SizeBytes <= 0 || v.Kind != lore.KindTable {
		t.Errorf("tickit.venue estimates: rows %d, size %d, kind %s", v.RowEstimate, v.SizeBytes, v.Kind)
	}
	if v := byName["hr.d"]; v.Kind != lore.KindView || v.RowEstimate != -1 {
		t.Errorf("view hr.d: %+v", v)
	}

	// Individual tables next to a whole schema; unknown names are simply absent.
	some, err := c.Catalog(ctx, Selection{{db, "tickit", "sales"}, {db, "tickit", "nosuch"}, {db, "pe", ""}})
	if err != nil {
		t.Fatal(err)
	}
	wantSome := 1 + scalar(t, raw, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pe' AND c.relkind IN ('r','v','m')`)
	if len(some) != wantSome {
		t.Errorf("mixed selection: %d tables, want %d", len(some), wantSome)
	}
	if _, err := c.Catalog(ctx, nil); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("empty selection: %v", err)
	}
}

func findColumn(t lore.TableMeta, name string) lore.ColumnMeta {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return lore.ColumnMeta{}
}

func testPostgresQuery(t *testing.T, dbURL string) {
	ctx := context.Background()
	cfg := pgConfig(t, dbURL)
	c := openPG(t, cfg)
	var q lore.Querier = c
	if q.Dialect() != lore.DialectPostgres {
		t.Errorf("dialect %s", q.Dialect())
	}
	rs, err := q.Query(ctx, `SELECT $1::numeric(30,20) * 3 AS n, NULL::text AS z, count(*) AS c FROM tickit.venue WHERE venuestate = $2`, "1.10000000000000000001", "NY")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rs.Columns, ",") != "n,z,c" || len(rs.Rows) != 1 {
		t.Fatalf("result %+v", rs)
	}
	if r := rs.Rows[0]; *r[0] != "3.30000000000000000003" || r[1] != nil || *r[2] == "0" {
		t.Errorf("row %q %v %q", *r[0], r[1], *r[2])
	}
	_, err = q.Query(ctx, `CREATE TABLE tickit.lore_write_test (a int)`)
	if lore.ErrorCode(err) != lore.EFORBIDDEN {
		t.Errorf("write statement: got %v, want forbidden", err)
	}
	cfg.Settings["statement_timeout_seconds"] = "1"
	slow := openPG(t, cfg)
	_, err = slow.QuerierFor(cfg.Settings["database"]).Query(ctx, `SELECT pg_sleep(3)`)
	if lore.ErrorCode(err) != lore.EUNAVAILABLE || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("slow statement: got %v, want a timeout", err)
	}
}
