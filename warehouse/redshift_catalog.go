package warehouse

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/lorehq/lore"
)

// maxSchemaParams is how many schemas a catalog statement names as parameters; a selection
// spanning more schemas reads every non-system schema and filters in Lore.
const maxSchemaParams = 100

// rsSchemaFilter returns the SQL condition on column col and the parameters that restrict a
// catalog statement to the selected schemas of f.
func rsSchemaFilter(f *databaseFilter, col string) (string, []types.SqlParameter) {
	schemas := f.schemaList()
	if len(schemas) > maxSchemaParams {
		return col + " NOT IN ('pg_catalog', 'information_schema', 'pg_internal')", nil
	}
	sort.Strings(schemas)
	names := make([]string, len(schemas))
	params := make([]types.SqlParameter, len(schemas))
	for i, s := range schemas {
		n := "s" + strconv.Itoa(i)
		names[i] = ":" + n
		params[i] = types.SqlParameter{Name: aws.String(n), Value: aws.String(s)}
	}
	return col + " IN (" + strings.Join(names, ", ") + ")", params
}

// withDatabase adds the :db parameter.
func withDatabase(db string, p []types.SqlParameter) []types.SqlParameter {
	return append([]types.SqlParameter{{Name: aws.String("db"), Value: aws.String(db)}}, p...)
}

// Catalog statements, per database. {S} is replaced by the schema filter.
const (
	rsTablesSQL = `SELECT schema_name, table_name, table_type, remarks FROM svv_all_tables
WHERE database_name = :db AND {S}`
	rsTableInfoSQL = `SELECT "schema", "table", tbl_rows, size FROM svv_table_info
WHERE "database" = :db AND {S}`
	rsCommentsSQL = `SELECT n.nspname::varchar, c.relname::varchar, d.objsubid, coalesce(a.attname::varchar, ''), d.description
FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE c.relkind IN ('r', 'v', 'm') AND {S}`
	rsKeysSQL = `SELECT n.nspname::varchar, c.relname::varchar, con.conname::varchar, con.contype::varchar,
       pg_get_constraintdef(con.oid)::varchar, coalesce(rn.nspname::varchar, ''), coalesce(rc.relname::varchar, '')
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'f') AND {S}`
	rsColumnsSQL = `SELECT schema_name, table_name, column_name, ordinal_position, data_type,
       character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default, remarks
FROM svv_all_columns WHERE database_name = :db AND {S}
ORDER BY schema_name, table_name, ordinal_position`
	rsLateBindingSQL = `SELECT view_schema::varchar, view_name::varchar, col_name::varchar, col_type::varchar, col_num
FROM pg_get_late_binding_view_cols() cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)
WHERE {S} ORDER BY 1, 2, 5`
)

// CatalogEach reads the selected tables of each database with a fixed number of set-based
// statements (tables, size estimates, comments, keys, columns, and late-binding view columns
// when needed), submitted together so that they run concurrently. Columns are read page by
// page and each table is handed to fn when complete, so Data API calls grow with result pages
// and memory with the number of tables, never with columns.
func (c *redshiftConn) CatalogEach(ctx context.Context, sel Selection, fn func(lore.TableMeta) error) error {
	if err := sel.validate(); err != nil {
		return err
	}
	order, filters := sel.byDatabase()
	for _, db := range order {
		if err := c.catalogDatabase(ctx, db, filters[db], fn); err != nil {
			return err
		}
	}
	return nil
}

// rsCatalog is one database's catalog while it is being read.
type rsCatalog struct {
	db     string
	f      *databaseFilter
	tables map[string]*lore.TableMeta // schema + "\x00" + table
	colCmt map[string]string          // schema + "\x00" + table + "\x00" + column
}

func key(parts ...string) string { return strings.Join(parts, "\x00") }

func (c *redshiftConn) catalogDatabase(ctx context.Context, db string, f *databaseFilter, fn func(lore.TableMeta) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.s.timeout)
	defer cancel()
	cat := &rsCatalog{db: db, f: f, tables: map[string]*lore.TableMeta{}, colCmt: map[string]string{}}
	sqls := []string{rsTablesSQL, rsTableInfoSQL, rsCommentsSQL, rsKeysSQL, rsColumnsSQL}
	cols := []string{"schema_name", `"schema"`, "n.nspname", "n.nspname", "schema_name"}
	sts := make([]statement, len(sqls))
	for i, q := range sqls {
		cond, params := rsSchemaFilter(f, cols[i])
		if strings.Contains(q, ":db") {
			params = withDatabase(db, params)
		}
		st, err := c.submit(ctx, db, strings.Replace(q, "{S}", cond, 1), params)
		if err != nil {
			for _, prev := range sts[:i] {
				c.cancel(prev)
			}
			return err
		}
		sts[i] = st
	}
	steps := []func([][]*string){cat.addTables, cat.addTableInfo, cat.addComments, cat.addKeys}
	for i, step := range steps {
		_, err := c.wait(ctx, sts[i])
		if i == 1 && err != nil && checkOf(err) == CheckGrants {
			continue // SVV_TABLE_INFO needs a grant; without it there are no size estimates
		}
		if err == nil {
			err = c.results(ctx, sts[i], func(_ []string, rows [][]*string) error { step(rows); return nil })
		}
		if err != nil {
			for _, rest := range sts[i+1:] {
				c.cancel(rest)
			}
			return err
		}
	}
	if _, err := c.wait(ctx, sts[4]); err != nil {
		return err
	}
	var cur *lore.TableMeta
	var curKey string
	emit := func() error {
		if cur == nil || len(cur.Columns) == 0 {
			return nil // views without columns wait for the late-binding step
		}
		delete(cat.tables, curKey)
		markPrimaryKey(cur)
		return fn(*cur)
	}
	err := c.results(ctx, sts[4], func(_ []string, rows [][]*string) error {
		for _, r := range rows {
			k := key(str(r[0]), str(r[1]))
			if k != curKey {
				if err := emit(); err != nil {
					return err
				}
				cur, curKey = cat.tables[k], k
			}
			if cur != nil {
				cur.Columns = append(cur.Columns, cat.column(r))
			}
		}
		return nil
	})
	if err == nil {
		err = emit()
	}
	if err != nil {
		return err
	}
	return c.finishCatalog(ctx, cat, fn)
}

// finishCatalog reads late-binding view columns for the views still without columns, then
// hands over the remaining tables in name order.
func (c *redshiftConn) finishCatalog(ctx context.Context, cat *rsCatalog, fn func(lore.TableMeta) error) error {
	views := false
	for _, t := range cat.tables {
		views = views || t.Kind == lore.KindView
	}
	if views {
		cond, params := rsSchemaFilter(cat.f, "view_schema")
		err := c.run(ctx, cat.db, strings.Replace(rsLateBindingSQL, "{S}", cond, 1), params, func(_ []string, rows [][]*string) error {
			for _, r := range rows {
				if t := cat.tables[key(str(r[0]), str(r[1]))]; t != nil {
					n, _ := strconv.Atoi(str(r[4]))
					t.Columns = append(t.Columns, lore.ColumnMeta{Name: str(r[2]), Position: n, Type: str(r[3]), Nullable: true})
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(cat.tables))
	for k := range cat.tables {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := cat.tables[k]
		markPrimaryKey(t)
		if err := fn(*t); err != nil {
			return err
		}
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *string) int64 {
	if p == nil {
		return -1
	}
	n, err := strconv.ParseInt(*p, 10, 64)
	if err != nil {
		return -1
	}
	return n
}
