package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// TableFilter narrows ListTables.
type TableFilter struct {
	ConnectionID int64
	IDs          []int64
	// Search matches table names case-insensitively.
	Search         string
	IncludeRemoved bool
	Limit          int
	Offset         int
}

const tableColumns = `id, connection_id, database_name, schema_name, name, kind, comment, row_estimate, size_bytes, primary_key, foreign_keys, removed, updated_at`

func scanTable(sc interface{ Scan(...any) error }) (*lore.Table, error) {
	t := &lore.Table{}
	var pk, fks string
	if err := sc.Scan(&t.ID, &t.ConnectionID, &t.Database, &t.Schema, &t.Name, &t.Kind, &t.Comment, &t.RowEstimate, &t.SizeBytes, &pk, &fks, &t.Removed, &t.UpdatedAt); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(pk), &t.PrimaryKey)
	_ = json.Unmarshal([]byte(fks), &t.ForeignKeys)
	return t, nil
}

// ListTables returns stored tables (without columns) ordered by database, schema and name.
func (s *Store) ListTables(ctx context.Context, f TableFilter) ([]*lore.Table, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+itoa(len(args))))
	}
	if f.ConnectionID != 0 {
		add("connection_id = ?", f.ConnectionID)
	}
	if !f.IncludeRemoved {
		where = append(where, "removed = FALSE")
	}
	if f.Search != "" {
		add("lower(name) LIKE ?", "%"+strings.ToLower(f.Search)+"%")
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, nil
		}
		from := len(args) + 1
		for _, id := range f.IDs {
			args = append(args, id)
		}
		where = append(where, "id IN ("+s.dialect.placeholders(from, len(f.IDs))+")")
	}
	q := `SELECT ` + tableColumns + ` FROM catalog_tables`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY database_name, schema_name, name"
	if f.Limit > 0 {
		q += " LIMIT " + itoa(f.Limit) + " OFFSET " + itoa(f.Offset)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*lore.Table
	for rows.Next() {
		t, err := scanTable(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }

// FindTable returns one table with its columns and stored description candidates, or ENOTFOUND.
func (s *Store) FindTable(ctx context.Context, id int64) (*lore.Table, error) {
	t, err := scanTable(s.db.QueryRowContext(ctx, `SELECT `+tableColumns+` FROM catalog_tables WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Table %d does not exist.", id)
	} else if err != nil {
		return nil, mapErr(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, position, type, nullable, default_value, comment, primary_key, no_sample
		FROM catalog_columns WHERE table_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	for rows.Next() {
		var c lore.Column
		if err := rows.Scan(&c.Name, &c.Position, &c.Type, &c.Nullable, &c.Default, &c.Comment, &c.PrimaryKey, &c.NoSample); err != nil {
			rows.Close()
			return nil, err
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cands, err := s.Descriptions(ctx, id)
	if err != nil {
		return nil, err
	}
	t.Description.Sources = cands[""]
	for i := range t.Columns {
		t.Columns[i].Description.Sources = cands[t.Columns[i].Name]
	}
	return t, nil
}

// FindTableByRef returns the stored table of a connection with the given name, or ENOTFOUND.
func (s *Store) FindTableByRef(ctx context.Context, connID int64, ref lore.TableRef) (*lore.Table, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM catalog_tables WHERE connection_id = $1 AND database_name = $2 AND schema_name = $3 AND name = $4`,
		connID, ref.Database, ref.Schema, ref.Name).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, notFound("Table %s is not stored.", ref)
	} else if err != nil {
		return nil, mapErr(err)
	}
	return s.FindTable(ctx, id)
}

// Descriptions returns the description candidates of a table by column ("" is the table).
func (s *Store) Descriptions(ctx context.Context, tableID int64) (map[string][]lore.DescriptionCandidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT column_name, source, text, provider, model, stale, accepted, updated_at
		FROM descriptions WHERE table_id = $1`, tableID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string][]lore.DescriptionCandidate{}
	for rows.Next() {
		var col string
		var c lore.DescriptionCandidate
		if err := rows.Scan(&col, &c.Source, &c.Text, &c.Provider, &c.Model, &c.Stale, &c.Accepted, &c.UpdatedAt); err != nil {
			return nil, err
		}
		out[col] = append(out[col], c)
	}
	return out, rows.Err()
}

// DescriptionWrite is one description candidate to store for a table or column ("").
type DescriptionWrite struct {
	Column    string
	Candidate lore.DescriptionCandidate
}

// PutDescriptions upserts candidates of one table in one transaction. Only one candidate per
// table, column and source is kept.
func (s *Store) PutDescriptions(ctx context.Context, tableID int64, ws []DescriptionWrite) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for _, w := range ws {
			c := w.Candidate
			if c.UpdatedAt.IsZero() {
				c.UpdatedAt = s.now().UTC()
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO descriptions (table_id, column_name, source, text, provider, model, stale, accepted, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (table_id, column_name, source) DO UPDATE SET text = excluded.text, provider = excluded.provider,
				model = excluded.model, stale = excluded.stale, accepted = excluded.accepted, updated_at = excluded.updated_at`,
				tableID, w.Column, c.Source, c.Text, c.Provider, c.Model, c.Stale, c.Accepted, c.UpdatedAt)
			if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// DeleteDescription removes one candidate; it is not an error if none exists.
func (s *Store) DeleteDescription(ctx context.Context, tableID int64, column, source string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM descriptions WHERE table_id = $1 AND column_name = $2 AND source = $3`, tableID, column, source)
	return mapErr(err)
}

// DeleteDescriptionsBySource removes every candidate of a source for the connection's tables
// (a new dbt manifest replaces the old one's descriptions).
func (s *Store) DeleteDescriptionsBySource(ctx context.Context, connID int64, source string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM descriptions WHERE source = $1 AND table_id IN (SELECT id FROM catalog_tables WHERE connection_id = $2)`, source, connID)
	return mapErr(err)
}

// SetNoSample sets a column's "do not sample" switch.
func (s *Store) SetNoSample(ctx context.Context, tableID int64, column string, on bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE catalog_columns SET no_sample = $1 WHERE table_id = $2 AND name = $3`, on, tableID, column)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Column %q does not exist in table %d.", column, tableID)
	}
	return nil
}

// PutProfile stores a table's sealed profile, replacing any earlier one.
func (s *Store) PutProfile(ctx context.Context, tableID int64, sealed SealedSecret, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO profiles (table_id, data, key_id, profiled_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (table_id) DO UPDATE SET data = excluded.data, key_id = excluded.key_id, profiled_at = excluded.profiled_at`,
		tableID, sealed.Ciphertext, sealed.KeyID, at)
	return mapErr(err)
}

// FindProfile returns a table's sealed profile, or ENOTFOUND when it was not profiled yet.
func (s *Store) FindProfile(ctx context.Context, tableID int64) (SealedSecret, error) {
	var sec SealedSecret
	err := s.db.QueryRowContext(ctx, `SELECT data, key_id FROM profiles WHERE table_id = $1`, tableID).Scan(&sec.Ciphertext, &sec.KeyID)
	if err == sql.ErrNoRows {
		return sec, notFound("Table %d has no profile yet.", tableID)
	}
	return sec, mapErr(err)
}

// TableDescriptions returns the table-level description candidates of many tables at once.
func (s *Store) TableDescriptions(ctx context.Context, ids []int64) (map[int64][]lore.DescriptionCandidate, error) {
	out := map[int64][]lore.DescriptionCandidate{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT table_id, source, text, provider, model, stale, accepted, updated_at
		FROM descriptions WHERE column_name = '' AND table_id IN (`+s.dialect.placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c lore.DescriptionCandidate
		if err := rows.Scan(&id, &c.Source, &c.Text, &c.Provider, &c.Model, &c.Stale, &c.Accepted, &c.UpdatedAt); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}
