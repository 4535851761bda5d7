package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// CatalogResult is what ApplyCatalog changed.
type CatalogResult struct {
	Diff lore.Diff
	// Process lists the tables that are new or changed and need their jobs run.
	Process []int64
	// Unchanged lists the tables whose metadata is the same as stored.
	Unchanged []int64
}

// fingerprint summarises everything the catalog says about a table, to tell changed tables.
func fingerprint(m *lore.TableMeta) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%v|", m.Kind, m.Comment, m.PrimaryKey)
	for _, c := range m.Columns {
		fmt.Fprintf(h, "%s|%s|%t|%s|%s|%t\n", c.Name, c.Type, c.Nullable, c.Default, c.Comment, c.PrimaryKey)
	}
	for _, fk := range m.ForeignKeys {
		fmt.Fprintf(h, "fk %s %v %s %v\n", fk.Name, fk.Columns, fk.Ref, fk.RefColumns)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

type storedTable struct {
	id          int64
	fingerprint string
	removed     bool
}

// ApplyCatalog stores the catalog of a connection's selection in one transaction: new tables are
// inserted, changed ones replaced (with the column changes reported), unchanged ones left alone,
// and stored tables missing from metas marked removed. Warehouse comments become descriptions
// with source comment; AI text of a column whose type changed is marked stale.
func (s *Store) ApplyCatalog(ctx context.Context, connID int64, metas []lore.TableMeta) (*CatalogResult, error) {
	now := s.now().UTC()
	res := &CatalogResult{Diff: lore.Diff{Added: []string{}, Removed: []string{}, Changed: []lore.TableChange{}}}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			// The catalog can always be read again from the warehouse: do not wait for the WAL
			// flush of this large transaction (a crash loses it whole, never half of it).
			if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
				return mapErr(err)
			}
		}
		stored := map[lore.TableRef]storedTable{}
		rows, err := tx.QueryContext(ctx, `SELECT id, database_name, schema_name, name, fingerprint, removed FROM catalog_tables WHERE connection_id = $1`, connID)
		if err != nil {
			return mapErr(err)
		}
		for rows.Next() {
			var r lore.TableRef
			var st storedTable
			if err := rows.Scan(&st.id, &r.Database, &r.Schema, &r.Name, &st.fingerprint, &st.removed); err != nil {
				rows.Close()
				return err
			}
			stored[r] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		seen := map[lore.TableRef]bool{}
		var colBatch []columnRow
		var descBatch []descRow
		var fresh []newTable
		for i := range metas {
			m := &metas[i]
			seen[m.Ref] = true
			fp := fingerprint(m)
			st, exists := stored[m.Ref]
			if exists && !st.removed && st.fingerprint == fp {
				res.Unchanged = append(res.Unchanged, st.id)
				continue
			}
			pk, _ := json.Marshal(nonNil(m.PrimaryKey))
			fks, _ := json.Marshal(nonNilFK(m.ForeignKeys))
			var id int64
			if exists {
				id = st.id
				if !st.removed {
					change, err := columnChanges(ctx, tx, id, m)
					if err != nil {
						return err
					}
					res.Diff.Changed = append(res.Diff.Changed, change)
				} else {
					res.Diff.Added = append(res.Diff.Added, m.Ref.String())
				}
				if _, err := tx.ExecContext(ctx, `UPDATE catalog_tables SET kind = $1, comment = $2, row_estimate = $3, size_bytes = $4,
					primary_key = $5, foreign_keys = $6, fingerprint = $7, removed = FALSE, updated_at = $8 WHERE id = $9`,
					m.Kind, m.Comment, m.RowEstimate, m.SizeBytes, string(pk), string(fks), fp, now, id); err != nil {
					return mapErr(err)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_columns WHERE table_id = $1`, id); err != nil {
					return mapErr(err)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM descriptions WHERE table_id = $1 AND source = 'comment'`, id); err != nil {
					return mapErr(err)
				}
			} else {
				fresh = append(fresh, newTable{m, string(pk), string(fks), fp})
				continue
			}
			res.Process = append(res.Process, id)
			if m.Comment != "" {
				descBatch = append(descBatch, descRow{id, "", m.Comment})
			}
			for _, c := range m.Columns {
				colBatch = append(colBatch, columnRow{id, c})
				if c.Comment != "" {
					descBatch = append(descBatch, descRow{id, c.Name, c.Comment})
				}
			}
			if len(colBatch) >= 2000 {
				if err := s.insertColumns(ctx, tx, colBatch); err != nil {
					return err
				}
				colBatch = colBatch[:0]
			}
		}
		ids, err := insertTables(ctx, tx, s.dialect, connID, fresh, now)
		if err != nil {
			return err
		}
		for i, nt := range fresh {
			id := ids[i]
			res.Diff.Added = append(res.Diff.Added, nt.m.Ref.String())
			res.Process = append(res.Process, id)
			if nt.m.Comment != "" {
				descBatch = append(descBatch, descRow{id, "", nt.m.Comment})
			}
			for _, c := range nt.m.Columns {
				colBatch = append(colBatch, columnRow{id, c})
				if c.Comment != "" {
					descBatch = append(descBatch, descRow{id, c.Name, c.Comment})
				}
			}
			if len(colBatch) >= 2000 {
				if err := s.insertColumns(ctx, tx, colBatch); err != nil {
					return err
				}
				colBatch = colBatch[:0]
			}
		}
		if err := s.insertColumns(ctx, tx, colBatch); err != nil {
			return err
		}
		if err := s.insertCommentDescriptions(ctx, tx, descBatch, now); err != nil {
			return err
		}
		var gone []lore.TableRef
		for ref, st := range stored {
			if !seen[ref] && !st.removed {
				gone = append(gone, ref)
			}
		}
		sort.Slice(gone, func(i, j int) bool { return gone[i].String() < gone[j].String() })
		for _, ref := range gone {
			if _, err := tx.ExecContext(ctx, `UPDATE catalog_tables SET removed = TRUE, updated_at = $1 WHERE id = $2`, now, stored[ref].id); err != nil {
				return mapErr(err)
			}
			res.Diff.Removed = append(res.Diff.Removed, ref.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilFK(s []lore.ForeignKey) []lore.ForeignKey {
	if s == nil {
		return []lore.ForeignKey{}
	}
	return s
}

type columnRow struct {
	tableID int64
	c       lore.ColumnMeta
}

type descRow struct {
	tableID int64
	column  string
	text    string
}

// columnChanges compares the stored columns of a table with m and marks AI text of columns whose
// type changed as stale; AI text of dropped columns goes with them.
func columnChanges(ctx context.Context, tx *sql.Tx, id int64, m *lore.TableMeta) (lore.TableChange, error) {
	ch := lore.TableChange{Table: m.Ref.String()}
	old := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT name, type FROM catalog_columns WHERE table_id = $1`, id)
	if err != nil {
		return ch, mapErr(err)
	}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return ch, err
		}
		old[n] = t
	}
	rows.Close()
	var comment string
	_ = tx.QueryRowContext(ctx, `SELECT comment FROM catalog_tables WHERE id = $1`, id).Scan(&comment)
	ch.CommentChanged = comment != m.Comment
	now := time.Now().UTC()
	cur := map[string]bool{}
	for _, c := range m.Columns {
		cur[c.Name] = true
		t, ok := old[c.Name]
		switch {
		case !ok:
			ch.ColumnsAdded = append(ch.ColumnsAdded, c.Name)
		case t != c.Type:
			ch.TypesChanged = append(ch.TypesChanged, fmt.Sprintf("%s: %s → %s", c.Name, t, c.Type))
			if _, err := tx.ExecContext(ctx, `UPDATE descriptions SET stale = TRUE, updated_at = $1 WHERE table_id = $2 AND column_name = $3 AND source IN ('ai', 'heuristic')`, now, id, c.Name); err != nil {
				return ch, mapErr(err)
			}
		}
	}
	for n := range old {
		if !cur[n] {
			ch.ColumnsDropped = append(ch.ColumnsDropped, n)
			if _, err := tx.ExecContext(ctx, `DELETE FROM descriptions WHERE table_id = $1 AND column_name = $2 AND source <> 'human'`, id, n); err != nil {
				return ch, mapErr(err)
			}
		}
	}
	sort.Strings(ch.ColumnsAdded)
	sort.Strings(ch.ColumnsDropped)
	sort.Strings(ch.TypesChanged)
	return ch, nil
}

// insertColumns writes column rows with multi-row INSERTs (a few hundred rows per statement).
func (s *Store) insertColumns(ctx context.Context, tx *sql.Tx, rows []columnRow) error {
	d := s.dialect
	if d == Postgres {
		return insertColumnsUnnest(ctx, tx, rows)
	}
	const per = 9
	const batch = 400
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO catalog_columns (table_id, name, position, type, nullable, default_value, comment, primary_key, no_sample) VALUES `)
		args := make([]any, 0, (end-start)*per)
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + d.placeholders(i*per+1, per) + ")")
			args = append(args, r.tableID, r.c.Name, r.c.Position, r.c.Type, r.c.Nullable, r.c.Default, r.c.Comment, r.c.PrimaryKey, false)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

func (s *Store) insertCommentDescriptions(ctx context.Context, tx *sql.Tx, rows []descRow, now time.Time) error {
	d := s.dialect
	if d == Postgres {
		return insertCommentsUnnest(ctx, tx, rows, now)
	}
	const per = 5
	const batch = 500
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO descriptions (table_id, column_name, source, text, updated_at) VALUES `)
		args := make([]any, 0, (end-start)*per)
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + d.placeholders(i*per+1, per) + ")")
			args = append(args, r.tableID, r.column, lore.SourceComment, r.text, now)
		}
		b.WriteString(` ON CONFLICT (table_id, column_name, source) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

type newTable struct {
	m           *lore.TableMeta
	pk, fks, fp string
}

// insertTables inserts new tables with multi-row INSERTs and returns their ids in order.
func insertTables(ctx context.Context, tx *sql.Tx, d Dialect, connID int64, ts []newTable, now time.Time) ([]int64, error) {
	const per = 13
	const batch = 70
	ids := make([]int64, 0, len(ts))
	for start := 0; start < len(ts); start += batch {
		end := min(start+batch, len(ts))
		var b strings.Builder
		b.WriteString(`INSERT INTO catalog_tables (connection_id, database_name, schema_name, name, kind, comment,
			row_estimate, size_bytes, primary_key, foreign_keys, fingerprint, created_at, updated_at) VALUES `)
		args := make([]any, 0, (end-start)*per)
		for i, nt := range ts[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + d.placeholders(i*per+1, per) + ")")
			m := nt.m
			args = append(args, connID, m.Ref.Database, m.Ref.Schema, m.Ref.Name, m.Kind, m.Comment, m.RowEstimate, m.SizeBytes,
				nt.pk, nt.fks, nt.fp, now, now)
		}
		b.WriteString(` RETURNING id, database_name, schema_name, name`)
		rows, err := tx.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return nil, mapErr(err)
		}
		// RETURNING order is not guaranteed: map the ids back by name.
		byRef := map[lore.TableRef]int64{}
		for rows.Next() {
			var id int64
			var r lore.TableRef
			if err := rows.Scan(&id, &r.Database, &r.Schema, &r.Name); err != nil {
				rows.Close()
				return nil, err
			}
			byRef[r] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, nt := range ts[start:end] {
			id, ok := byRef[nt.m.Ref]
			if !ok {
				return nil, fmt.Errorf("insert tables: no id returned for %s", nt.m.Ref)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// On PostgreSQL, bulk rows travel as one array per column and are expanded with unnest: one
// short statement instead of thousands of placeholders to parse and plan.

func insertColumnsUnnest(ctx context.Context, tx *sql.Tx, rows []columnRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, pos := make([]int64, n), make([]int64, n)
	names, types, defs, comments := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	nullable, pk := make([]bool, n), make([]bool, n)
	for i, r := range rows {
		ids[i], pos[i] = r.tableID, int64(r.c.Position)
		names[i], types[i], defs[i], comments[i] = r.c.Name, r.c.Type, r.c.Default, r.c.Comment
		nullable[i], pk[i] = r.c.Nullable, r.c.PrimaryKey
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO catalog_columns (table_id, name, position, type, nullable, default_value, comment, primary_key, no_sample)
		SELECT t, n, p, ty, nu, d, c, pk, FALSE FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::text[], $7::text[], $8::boolean[])
		AS u(t, n, p, ty, nu, d, c, pk)`, ids, names, pos, types, nullable, defs, comments, pk)
	return mapErr(err)
}

func insertCommentsUnnest(ctx context.Context, tx *sql.Tx, rows []descRow, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	ids, cols, texts := make([]int64, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		ids[i], cols[i], texts[i] = r.tableID, r.column, r.text
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO descriptions (table_id, column_name, source, text, updated_at)
		SELECT t, c, $4, x, $5 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(t, c, x)
		ON CONFLICT (table_id, column_name, source) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
		ids, cols, texts, lore.SourceComment, now)
	return mapErr(err)
}
