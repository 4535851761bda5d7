package profile

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// pgQuerier is a lore.Querier over database/sql and pgx that records every statement, so tests
// can count what the profiler sends. dialect lets a test run Redshift SQL that PostgreSQL also
// understands (the sample statement).
type pgQuerier struct {
	db      *sql.DB
	dialect lore.Dialect

	mu    sync.Mutex
	stmts []string
}

func (q *pgQuerier) Dialect() lore.Dialect { return q.dialect }

func (q *pgQuerier) Query(ctx context.Context, query string, args ...any) (*lore.ResultSet, error) {
	q.mu.Lock()
	q.stmts = append(q.stmts, query)
	q.mu.Unlock()
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	rs := &lore.ResultSet{Columns: cols}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			if v.Valid {
				s := v.String
				row[i] = &s
			}
		}
		rs.Rows = append(rs.Rows, row)
	}
	return rs, rows.Err()
}

// statements returns the statements sent so far.
func (q *pgQuerier) statements() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.stmts...)
}

// openDB opens url and closes it when the test ends.
func openDB(t testing.TB, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// exec runs setup statements, failing the test on the first error.
func exec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// tableMeta reads what the catalog step would: columns with their formatted types, the kind and
// the row estimate (-1 when PostgreSQL has none).
func tableMeta(t testing.TB, db *sql.DB, schema, table string) lore.TableMeta {
	t.Helper()
	meta := lore.TableMeta{Ref: lore.TableRef{Database: "test", Schema: schema, Name: table}, SizeBytes: -1}
	var relkind string
	err := db.QueryRow(`SELECT c.relkind::text, CASE WHEN c.reltuples < 0 THEN -1 ELSE c.reltuples::bigint END
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2`, schema, table).Scan(&relkind, &meta.RowEstimate)
	if err != nil {
		t.Fatalf("catalog %s.%s: %v", schema, table, err)
	}
	switch relkind {
	case "v", "m":
		meta.Kind = lore.KindView
	case "f":
		meta.Kind = lore.KindExternal
	default:
		meta.Kind = lore.KindTable
	}
	rows, err := db.Query(`SELECT a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c lore.ColumnMeta
		if err := rows.Scan(&c.Name, &c.Position, &c.Type, &c.Nullable); err != nil {
			t.Fatal(err)
		}
		meta.Columns = append(meta.Columns, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(meta.Columns) == 0 {
		t.Fatalf("catalog %s.%s: no columns", schema, table)
	}
	return meta
}

// profileTable profiles schema.table through a fresh recording querier and checks the
// statement budget: what Table reports is what was sent, and never more than two.
func profileTable(t *testing.T, db *sql.DB, d lore.Dialect, meta lore.TableMeta, opts Options) (lore.TableProfile, *pgQuerier, error) {
	t.Helper()
	q := &pgQuerier{db: db, dialect: d}
	prof, err := Table(context.Background(), q, meta, opts)
	sent := q.statements()
	if len(sent) != prof.Statements {
		t.Errorf("profile reports %d statements, querier saw %d: %q", prof.Statements, len(sent), sent)
	}
	if len(sent) > 2 {
		t.Errorf("%d statements for one table, want at most 2: %q", len(sent), sent)
	}
	return prof, q, err
}

// setupTICKIT returns a database holding the TICKIT sample.
func setupTICKIT(t testing.TB) *sql.DB {
	t.Helper()
	url := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, url)
	return openDB(t, url)
}
