package redshiftlocal

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type catalogInput struct {
	targetInput
	SchemaPattern string  `json:"SchemaPattern"`
	TablePattern  string  `json:"TablePattern"`
	Schema        *string `json:"Schema"`
	Table         *string `json:"Table"`
	MaxResults    int     `json:"MaxResults"`
	NextToken     string  `json:"NextToken"`
}

// hiddenSchemas excludes PostgreSQL's toast and temporary schemas and the endpoint's own schema
// (alias n), none of which exist on Redshift.
const hiddenSchemas = `n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
	AND n.nspname <> '` + sysSchema + `'`

// catalogCall decodes a catalog request, checks its Database, MaxResults and NextToken, and
// returns the input, the resolved target, the page size and the offset.
func (s *Server) catalogCall(op string, body []byte) (catalogInput, target, int, int, error) {
	in, err := decode[catalogInput](body)
	if err != nil {
		return in, target{}, 0, 0, err
	}
	if in.Database == "" {
		return in, target{}, 0, 0, validationf("1 validation error detected: Value null at 'database' failed to satisfy constraint: Member must not be null")
	}
	limit, err := maxResults(in.MaxResults, 1000)
	if err != nil {
		return in, target{}, 0, 0, err
	}
	offset, err := pageOffset(op, in.NextToken)
	if err != nil {
		return in, target{}, 0, 0, err
	}
	t, err := s.resolveTarget(in.targetInput)
	return in, t, limit, offset, err
}

type listDatabasesOutput struct {
	Databases []string `json:"Databases"`
	NextToken string   `json:"NextToken,omitempty"`
}

func opListDatabases(s *Server, ctx context.Context, body []byte) (any, error) {
	_, t, limit, offset, err := s.catalogCall("ListDatabases", body)
	if err != nil {
		return nil, err
	}
	var names []string
	err = s.asRole(ctx, t, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname`)
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	pageItems, next := page("ListDatabases", names, offset, limit)
	return listDatabasesOutput{Databases: append([]string{}, pageItems...), NextToken: next}, nil
}

type listSchemasOutput struct {
	Schemas   []string `json:"Schemas"`
	NextToken string   `json:"NextToken,omitempty"`
}

func opListSchemas(s *Server, ctx context.Context, body []byte) (any, error) {
	in, t, limit, offset, err := s.catalogCall("ListSchemas", body)
	if err != nil {
		return nil, err
	}
	pattern := in.SchemaPattern
	if pattern == "" {
		pattern = "%"
	}
	var names []string
	err = s.asRole(ctx, t, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT n.nspname::text FROM pg_namespace n
			WHERE n.nspname LIKE $1 AND `+hiddenSchemas+` ORDER BY n.nspname`, pattern)
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	pageItems, next := page("ListSchemas", names, offset, limit)
	return listSchemasOutput{Schemas: append([]string{}, pageItems...), NextToken: next}, nil
}

type tableMember struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
	Type   string `json:"type"`
}

type listTablesOutput struct {
	Tables    []tableMember `json:"Tables"`
	NextToken string        `json:"NextToken,omitempty"`
}

func opListTables(s *Server, ctx context.Context, body []byte) (any, error) {
	in, t, limit, offset, err := s.catalogCall("ListTables", body)
	if err != nil {
		return nil, err
	}
	sp, tp := in.SchemaPattern, in.TablePattern
	if sp == "" {
		sp = "%"
	}
	if tp == "" {
		tp = "%"
	}
	var tables []tableMember
	err = s.asRole(ctx, t, func(tx pgx.Tx) error {
		// Types and order follow the JDBC getTables call behind the service.
		rows, _ := tx.Query(ctx, `SELECT c.relname::text, n.nspname::text,
				CASE WHEN n.nspname IN ('pg_catalog', 'information_schema') THEN 'SYSTEM TABLE'
					WHEN c.relkind IN ('v', 'm') THEN 'VIEW'
					WHEN c.relkind = 'f' THEN 'EXTERNAL TABLE'
					ELSE 'TABLE' END AS type
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname LIKE $1 AND c.relname LIKE $2
				AND `+hiddenSchemas+`
			ORDER BY 3, 2, 1`, sp, tp)
		tables, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tableMember, error) {
			var m tableMember
			err := r.Scan(&m.Name, &m.Schema, &m.Type)
			return m, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	pageItems, next := page("ListTables", tables, offset, limit)
	return listTablesOutput{Tables: append([]tableMember{}, pageItems...), NextToken: next}, nil
}

type describeTableOutput struct {
	TableName  string           `json:"TableName,omitempty"`
	ColumnList []columnMetadata `json:"ColumnList"`
	NextToken  string           `json:"NextToken,omitempty"`
}

func opDescribeTable(s *Server, ctx context.Context, body []byte) (any, error) {
	in, t, limit, offset, err := s.catalogCall("DescribeTable", body)
	if err != nil {
		return nil, err
	}
	schema, table := "", ""
	if in.Schema != nil {
		schema = *in.Schema
	}
	if in.Table != nil {
		table = *in.Table
	}
	var cols []columnMetadata
	err = s.asRole(ctx, t, func(tx pgx.Tx) error {
		// Schema and Table match exactly: a LIKE would let "_" match other tables.
		rows, _ := tx.Query(ctx, `SELECT n.nspname::text, c.relname::text, a.attname::text,
				CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
				CASE WHEN t.typtype = 'd' AND a.atttypmod = -1 THEN t.typtypmod ELSE a.atttypmod END,
				t.typname::text, a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
			FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_type t ON t.oid = a.atttypid
			LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
				AND ($1 = '' OR n.nspname = $1) AND ($2 = '' OR c.relname = $2) AND `+hiddenSchemas+`
			ORDER BY n.nspname, c.relname, a.attnum`, schema, table)
		cols, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (columnMetadata, error) {
			var m columnMetadata
			var oid uint32
			var typmod int32
			var typname string
			var notNull bool
			if err := r.Scan(&m.SchemaName, &m.TableName, &m.Name, &oid, &typmod, &typname, &notNull, &m.ColumnDefault); err != nil {
				return m, err
			}
			describeType(&m, oid, typmod, typname)
			if oid == oidBpchar || oid == oidVarchar || oid == oidText {
				m.Length = m.Precision
			}
			m.Nullable = 1
			if notNull {
				m.Nullable = 0
			}
			return m, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	pageItems, next := page("DescribeTable", cols, offset, limit)
	return describeTableOutput{TableName: table, ColumnList: append([]columnMetadata{}, pageItems...), NextToken: next}, nil
}
