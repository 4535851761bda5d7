package warehouse

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/lorehq/lore"
)

// Browse statements page by name (keyset: names after the cursor, in byte order) and filter by
// a case-insensitive substring; $1 is the cursor, $2 the search text, $3 the limit + 1.
const (
	pgDatabasesSQL = `
SELECT datname::text, '' FROM pg_database
WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT')
  AND datname > $1::name AND strpos(lower(datname::text), lower($2)) > 0
ORDER BY datname LIMIT $3`
	pgSchemasSQL = `
SELECT nspname::text, '' FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%'
  AND nspname NOT LIKE 'pg\_temp\_%' AND has_schema_privilege(oid, 'USAGE')
  AND nspname > $1::name AND strpos(lower(nspname::text), lower($2)) > 0
ORDER BY nspname LIMIT $3`
	pgTablesSQL = `
SELECT c.relname::text, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $4 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND c.relname > $1::name AND strpos(lower(c.relname::text), lower($2)) > 0
ORDER BY c.relname LIMIT $3`
)

// Databases lists the databases the user may connect to.
func (c *postgresConn) Databases(ctx context.Context, page PageRequest) (Page, error) {
	return c.list(ctx, "", pgDatabasesSQL, page)
}

// Schemas lists the schemas of db the user may use.
func (c *postgresConn) Schemas(ctx context.Context, db string, page PageRequest) (Page, error) {
	return c.list(ctx, db, pgSchemasSQL, page)
}

// Tables lists the tables, views, materialized views and foreign tables of db.schema
// (partitions are left out: their parent stands for them).
func (c *postgresConn) Tables(ctx context.Context, db, schema string, page PageRequest) (Page, error) {
	return c.list(ctx, db, pgTablesSQL, page, schema)
}

func (c *postgresConn) list(ctx context.Context, db, sql string, page PageRequest, extra ...any) (Page, error) {
	p, err := c.pool(db)
	if err != nil {
		return Page{}, err
	}
	limit := page.limit()
	args := append([]any{page.After, page.Search, limit + 1}, extra...)
	c.statements.Add(1)
	rows, err := p.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, c.mapError(err, "list")
	}
	type row struct{ Name, Kind string }
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return Page{}, c.mapError(err, "list")
	}
	out := Page{Items: []Entry{}}
	for i, r := range got {
		if i == limit {
			out.Next = got[limit-1].Name
			break
		}
		out.Items = append(out.Items, Entry{Name: r.Name, Kind: pgKind(r.Kind)})
	}
	return out, nil
}

// pgKind maps pg_class.relkind to a lore table kind ("" for non-tables).
func pgKind(relkind string) string {
	switch relkind {
	case "r", "p":
		return lore.KindTable
	case "v", "m":
		return lore.KindView
	case "f":
		return lore.KindExternal
	}
	return ""
}
