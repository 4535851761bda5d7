package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/lorehq/lore"
)

// exec runs statements on the warehouse behind the Redshift endpoint (a warehouse change).
func (w *walk) exec(stmts ...string) {
	w.t.Helper()
	db, err := sql.Open("pgx", w.wh.PostgresURL)
	if err != nil {
		w.t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			w.t.Fatalf("warehouse: %s: %v", s, err)
		}
	}
}

// undoChanges puts the warehouse back as it was before the walk's changes, for the next walk.
func (w *walk) undoChanges() {
	w.exec(`DROP TABLE IF EXISTS tickit.promo`, `ALTER TABLE tickit.venue ADD COLUMN IF NOT EXISTS venueseats integer`)
}

// wantColumn is a column as PostgreSQL's own catalog describes it.
type wantColumn struct {
	name, typ, comment string
	nullable           bool
}

// wantTable is a table as PostgreSQL's own catalog describes it.
type wantTable struct {
	comment string
	columns []wantColumn
	pk      []string
	fks     []string // "col,col -> schema.table(col,col)"
}

// warehouseTable reads what Lore should have stored for schema.name, straight from the
// warehouse's PostgreSQL catalog (domains resolve to their base types, as Redshift reports them).
func warehouseTable(ctx context.Context, db *sql.DB, schema, name string) (wantTable, error) {
	var t wantTable
	rel := fmt.Sprintf("%q.%q", schema, name)
	err := db.QueryRowContext(ctx, `SELECT coalesce(obj_description($1::regclass, 'pg_class'), '')`, rel).Scan(&t.comment)
	if err != nil {
		return t, err
	}
	rows, err := db.QueryContext(ctx, `
SELECT a.attname,
       CASE WHEN ty.typtype = 'd' THEN format_type(ty.typbasetype, ty.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END,
       NOT a.attnotnull, coalesce(col_description(a.attrelid, a.attnum), '')
FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, rel)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var c wantColumn
		if err := rows.Scan(&c.name, &c.typ, &c.nullable, &c.comment); err != nil {
			rows.Close()
			return t, err
		}
		t.columns = append(t.columns, c)
	}
	rows.Close()
	var pk string
	err = db.QueryRowContext(ctx, `
SELECT coalesce(string_agg(a.attname, ',' ORDER BY array_position(i.indkey::int2[], a.attnum)), '')
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = $1::regclass AND i.indisprimary`, rel).Scan(&pk)
	if err != nil {
		return t, err
	}
	if pk != "" {
		t.pk = strings.Split(pk, ",")
	}
	fks, err := db.QueryContext(ctx, `
SELECT (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num),
       rn.nspname || '.' || rc.relname,
       (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, n)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num)
FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE c.conrelid = $1::regclass AND c.contype = 'f'`, rel)
	if err != nil {
		return t, err
	}
	defer fks.Close()
	for fks.Next() {
		var cols, ref, refCols string
		if err := fks.Scan(&cols, &ref, &refCols); err != nil {
			return t, err
		}
		t.fks = append(t.fks, fmt.Sprintf("%s -> %s(%s)", cols, ref, refCols))
	}
	sort.Strings(t.fks)
	return t, fks.Err()
}

// checkStored cross-checks the store through the catalog service: the connection's live
// (not removed) tables are exactly want ("schema.table"), and each has the warehouse's columns,
// types, nullability, comments, primary key and foreign keys.
func (w *walk) checkStored(want []string) {
	w.t.Helper()
	ctx := context.Background()
	list, err := w.l.Service.ListTables(ctx, w.connID, "", 1000, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	w.tables = map[string]int64{}
	var got []string
	for _, t := range list {
		if t.Removed {
			continue
		}
		if t.Database != w.db {
			w.t.Errorf("stored table %s is in database %q, want %q", t.Ref(), t.Database, w.db)
		}
		got = append(got, t.Schema+"."+t.Name)
		w.tables[t.Schema+"."+t.Name] = t.ID
	}
	sort.Strings(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		w.t.Fatalf("stored tables %v, want exactly %v", got, want)
	}
	db, err := sql.Open("pgx", w.wh.PostgresURL)
	if err != nil {
		w.t.Fatal(err)
	}
	defer db.Close()
	for _, name := range want {
		schema, table, _ := strings.Cut(name, ".")
		exp, err := warehouseTable(ctx, db, schema, table)
		if err != nil {
			w.t.Fatalf("read %s from the warehouse: %v", name, err)
		}
		st, err := w.l.Service.GetTable(ctx, w.tables[name])
		if err != nil {
			w.t.Fatal(err)
		}
		compareTable(w, name, exp, st)
	}
}

func compareTable(w *walk, name string, exp wantTable, st *lore.Table) {
	w.t.Helper()
	if st.Comment != exp.comment {
		w.t.Errorf("%s: stored comment %q, the warehouse has %q", name, st.Comment, exp.comment)
	}
	if len(st.Columns) != len(exp.columns) {
		w.t.Errorf("%s: %d stored columns, the warehouse has %d", name, len(st.Columns), len(exp.columns))
		return
	}
	var pk []string
	for i, c := range st.Columns {
		e := exp.columns[i]
		if c.Name != e.name || c.Type != e.typ || c.Nullable != e.nullable || c.Comment != e.comment {
			w.t.Errorf("%s column %d: stored %s %s nullable=%v comment %q; the warehouse has %s %s nullable=%v comment %q",
				name, i+1, c.Name, c.Type, c.Nullable, c.Comment, e.name, e.typ, e.nullable, e.comment)
		}
		if c.PrimaryKey {
			pk = append(pk, c.Name)
		}
	}
	if !slices.Equal(st.PrimaryKey, exp.pk) || len(pk) != len(exp.pk) {
		w.t.Errorf("%s: stored primary key %v (columns marked %v), the warehouse has %v", name, st.PrimaryKey, pk, exp.pk)
	}
	var fks []string
	for _, fk := range st.ForeignKeys {
		fks = append(fks, fmt.Sprintf("%s -> %s.%s(%s)", strings.Join(fk.Columns, ","), fk.Ref.Schema, fk.Ref.Name, strings.Join(fk.RefColumns, ",")))
	}
	sort.Strings(fks)
	if !slices.Equal(fks, exp.fks) {
		w.t.Errorf("%s: stored foreign keys %v, the warehouse has %v", name, fks, exp.fks)
	}
}
