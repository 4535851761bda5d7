package warehouse

import (
	"context"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/lorehq/lore"
)

// pgSelected is the set of selected relations: whole schemas ($1), or schema/table pairs ($2,
// $3). Partitions are left out of whole schemas: their parent stands for them.
const pgSelected = `
sel AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, c.relpages
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND ((n.nspname = ANY ($1::text[]) AND NOT c.relispartition)
         OR (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest($2::text[], $3::text[]))))`

// pgTablesMetaSQL reads the selected relations with their comments and size estimates.
const pgTablesMetaSQL = `WITH ` + pgSelected + `
SELECT sel.oid, sel.nspname::text, sel.relname::text, sel.relkind::text, d.description,
       CASE WHEN sel.relkind IN ('r', 'm') AND sel.reltuples >= 0 THEN sel.reltuples::bigint ELSE -1 END,
       CASE WHEN sel.relkind IN ('r', 'm') AND sel.reltuples >= 0
            THEN sel.relpages::bigint * current_setting('block_size')::bigint ELSE -1 END
FROM sel
LEFT JOIN pg_description d ON d.objoid = sel.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0`

// pgKeysSQL reads the primary and foreign keys of the selected relations, with column names in
// key order.
const pgKeysSQL = `WITH ` + pgSelected + `
SELECT con.conrelid, con.contype::text, con.conname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       coalesce(rn.nspname::text, ''), coalesce(rc.relname::text, ''),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_constraint con JOIN sel ON sel.oid = con.conrelid
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'f')
ORDER BY con.conrelid, con.conname`

// pgColumnsSQL reads the columns of the selected relations in relation order, so that each
// relation is complete as soon as the next one starts.
const pgColumnsSQL = `WITH ` + pgSelected + `
SELECT a.attrelid, a.attname::text, a.attnum::int, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END, d.description
FROM sel JOIN pg_attribute a ON a.attrelid = sel.oid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

// Catalog reads the selected tables; see CatalogEach.
func (c *postgresConn) Catalog(ctx context.Context, sel Selection) ([]lore.TableMeta, error) {
	return collect(ctx, c, sel)
}

// CatalogEach reads the selected tables of each database with three set-based statements in
// one read-only snapshot (relations, keys, columns) and calls fn per table, in catalog order.
// Columns are streamed, so memory grows with the number of tables, not columns.
func (c *postgresConn) CatalogEach(ctx context.Context, sel Selection, fn func(lore.TableMeta) error) error {
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

// pgTable is a selected relation while its columns are being read.
type pgTable struct {
	oid  uint32
	meta lore.TableMeta
}

func (c *postgresConn) catalogDatabase(ctx context.Context, db string, f *databaseFilter, fn func(lore.TableMeta) error) error {
	p, err := c.pool(db)
	if err != nil {
		return err
	}
	var wholeSchemas, pairSchemas, pairTables []string
	for s := range f.schemas {
		wholeSchemas = append(wholeSchemas, s)
	}
	for s, ts := range f.tables {
		for t := range ts {
			pairSchemas = append(pairSchemas, s)
			pairTables = append(pairTables, t)
		}
	}
	args := []any{wholeSchemas, pairSchemas, pairTables}
	err = c.readOnly(ctx, p, func(tx pgx.Tx) error {
		tables, err := c.readTables(ctx, tx, db, args)
		if err != nil {
			return err
		}
		if err := c.readKeys(ctx, tx, db, tables, args); err != nil {
			return err
		}
		return c.streamColumns(ctx, tx, tables, args, fn)
	})
	return c.mapError(err, "read the catalog of database "+db)
}

// readTables returns the selected relations sorted by oid.
func (c *postgresConn) readTables(ctx context.Context, tx pgx.Tx, db string, args []any) ([]*pgTable, error) {
	c.statements.Add(1)
	rows, err := tx.Query(ctx, pgTablesMetaSQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*pgTable
	for rows.Next() {
		t := &pgTable{}
		var kind string
		var comment *string
		if err := rows.Scan(&t.oid, &t.meta.Ref.Schema, &t.meta.Ref.Name, &kind, &comment,
			&t.meta.RowEstimate, &t.meta.SizeBytes); err != nil {
			return nil, err
		}
		t.meta.Ref.Database = db
		t.meta.Kind = pgKind(kind)
		if comment != nil {
			t.meta.Comment = *comment
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].oid < out[j].oid })
	return out, rows.Err()
}

// find returns the table with oid, or nil.
func find(tables []*pgTable, oid uint32) *pgTable {
	i := sort.Search(len(tables), func(i int) bool { return tables[i].oid >= oid })
	if i < len(tables) && tables[i].oid == oid {
		return tables[i]
	}
	return nil
}

// readKeys attaches primary and foreign keys to tables.
func (c *postgresConn) readKeys(ctx context.Context, tx pgx.Tx, db string, tables []*pgTable, args []any) error {
	c.statements.Add(1)
	rows, err := tx.Query(ctx, pgKeysSQL, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var typ, name, refSchema, refTable string
		var cols, refCols []string
		if err := rows.Scan(&oid, &typ, &name, &cols, &refSchema, &refTable, &refCols); err != nil {
			return err
		}
		t := find(tables, oid)
		if t == nil {
			continue
		}
		if typ == "p" {
			t.meta.PrimaryKey = cols
			continue
		}
		t.meta.ForeignKeys = append(t.meta.ForeignKeys, lore.ForeignKey{
			Name: name, Columns: cols, RefColumns: refCols,
			Ref: lore.TableRef{Database: db, Schema: refSchema, Name: refTable},
		})
	}
	return rows.Err()
}

// streamColumns reads the columns in oid order and hands each table to fn once complete.
func (c *postgresConn) streamColumns(ctx context.Context, tx pgx.Tx, tables []*pgTable, args []any, fn func(lore.TableMeta) error) error {
	c.statements.Add(1)
	rows, err := tx.Query(ctx, pgColumnsSQL, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	next := 0 // tables[:next] were handed over
	flushUpTo := func(oid uint32, inclusive bool) error {
		for next < len(tables) && (tables[next].oid < oid || inclusive && tables[next].oid == oid) {
			t := tables[next]
			tables[next] = nil // let the table be collected once fn is done with it
			next++
			markPrimaryKey(&t.meta)
			if err := fn(t.meta); err != nil {
				return err
			}
		}
		return nil
	}
	var cur *pgTable
	for rows.Next() {
		var oid uint32
		var col lore.ColumnMeta
		var def, comment *string
		if err := rows.Scan(&oid, &col.Name, &col.Position, &col.Type, &col.Nullable, &def, &comment); err != nil {
			return err
		}
		if cur == nil || cur.oid != oid {
			if err := flushUpTo(oid, false); err != nil {
				return err
			}
			cur = nil
			if next < len(tables) && tables[next].oid == oid {
				cur = tables[next]
			}
		}
		if cur == nil {
			continue
		}
		if def != nil {
			col.Default = *def
		}
		if comment != nil {
			col.Comment = *comment
		}
		cur.meta.Columns = append(cur.meta.Columns, col)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flushUpTo(^uint32(0), true)
}

// markPrimaryKey sets ColumnMeta.PrimaryKey for the columns of the table's primary key.
func markPrimaryKey(t *lore.TableMeta) {
	for _, k := range t.PrimaryKey {
		for i := range t.Columns {
			if t.Columns[i].Name == k {
				t.Columns[i].PrimaryKey = true
			}
		}
	}
	if t.Columns == nil {
		t.Columns = []lore.ColumnMeta{}
	}
}
