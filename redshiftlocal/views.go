package redshiftlocal

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// viewsVersion marks the installed definitions; a different marker makes the endpoint replace
// them, so a newer endpoint can change a view's columns.
const viewsVersion = "redshiftlocal system views v1"

// userRelations restricts pg_class rows (alias c, namespace n) to user tables and views, as
// Redshift's SVV_ALL_* views show them.
const userRelations = `c.relkind IN ('r', 'p', 'v', 'm', 'f')
	AND n.nspname NOT IN ('pg_catalog', 'information_schema', '` + sysSchema + `')
	AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`

// viewsSQL creates the Redshift system views Lore's connector reads, with Redshift's column
// names. Rows are limited to what the querying role may access, as in Redshift; SVV_TABLE_INFO
// is readable by superusers only unless SELECT is granted, as in Redshift.
var viewsSQL = []string{
	`DROP VIEW IF EXISTS ` + sysSchema + `.svv_all_schemas, ` + sysSchema + `.svv_all_tables, ` +
		sysSchema + `.svv_all_columns, ` + sysSchema + `.svv_table_info CASCADE`,
	`DROP FUNCTION IF EXISTS ` + sysSchema + `.pg_get_late_binding_view_cols()`,
	`CREATE VIEW ` + sysSchema + `.svv_all_schemas AS
	SELECT current_database()::varchar(128) AS database_name,
		n.nspname::varchar(128) AS schema_name,
		n.nspowner::integer AS schema_owner,
		'local'::varchar(128) AS schema_type,
		array_to_string(n.nspacl, ',')::varchar(128) AS schema_acl,
		NULL::varchar(128) AS source_database,
		NULL::varchar(128) AS schema_option
	FROM pg_namespace n
	WHERE n.nspname <> '` + sysSchema + `' AND n.nspname NOT LIKE 'pg\_toast%'
		AND n.nspname NOT LIKE 'pg\_temp\_%' AND has_schema_privilege(n.oid, 'USAGE')`,
	`CREATE VIEW ` + sysSchema + `.svv_all_tables AS
	SELECT current_database()::varchar(128) AS database_name,
		n.nspname::varchar(128) AS schema_name,
		c.relname::varchar(128) AS table_name,
		(CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'VIEW' WHEN 'f' THEN 'EXTERNAL TABLE' ELSE 'TABLE' END)::varchar(128) AS table_type,
		array_to_string(c.relacl, ',')::varchar AS table_acl,
		obj_description(c.oid, 'pg_class')::varchar AS remarks
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE ` + userRelations + `
		AND has_schema_privilege(n.oid, 'USAGE')
		AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, REFERENCES')`,
	`CREATE VIEW ` + sysSchema + `.svv_all_columns AS
	SELECT current_database()::varchar(128) AS database_name,
		n.nspname::varchar(128) AS schema_name,
		c.relname::varchar(128) AS table_name,
		a.attname::varchar(128) AS column_name,
		a.attnum::integer AS ordinal_position,
		pg_get_expr(d.adbin, d.adrelid)::varchar(4000) AS column_default,
		(CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar(3) AS is_nullable,
		(CASE b.oid WHEN 1042 THEN 'character' WHEN 25 THEN 'character varying'
			ELSE format_type(b.oid, NULL) END)::varchar(128) AS data_type,
		information_schema._pg_char_max_length(b.oid, b.mod)::integer AS character_maximum_length,
		information_schema._pg_numeric_precision(b.oid, b.mod)::integer AS numeric_precision,
		information_schema._pg_numeric_scale(b.oid, b.mod)::integer AS numeric_scale,
		col_description(c.oid, a.attnum)::varchar AS remarks
	FROM pg_attribute a
	JOIN pg_class c ON c.oid = a.attrelid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_type t ON t.oid = a.atttypid
	CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS oid,
		CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS mod) b
	LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attnum > 0 AND NOT a.attisdropped AND ` + userRelations + `
		AND has_schema_privilege(n.oid, 'USAGE')
		AND has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')`,
	`CREATE VIEW ` + sysSchema + `.svv_table_info AS
	SELECT current_database()::varchar(128) AS database,
		n.nspname::varchar(128) AS schema,
		c.oid::bigint AS table_id,
		c.relname::varchar(128) AS "table",
		'N'::varchar(32) AS encoded,
		'EVEN'::varchar(32) AS diststyle,
		NULL::varchar(128) AS sortkey1,
		(SELECT max(a.atttypmod - 4) FROM pg_attribute a
			WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.atttypid = 1043)::integer AS max_varchar,
		NULL::varchar(32) AS sortkey1_enc,
		0::integer AS sortkey_num,
		ceil(pg_total_relation_size(c.oid) / 1048576.0)::bigint AS size,
		NULL::numeric(10,4) AS pct_used,
		0::bigint AS empty,
		NULL::numeric(5,2) AS unsorted,
		(CASE WHEN s.last_analyze IS NULL AND s.last_autoanalyze IS NULL THEN 100 ELSE 0 END)::numeric(5,2) AS stats_off,
		(CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE coalesce(s.n_live_tup, 0) END)::numeric(38,0) AS tbl_rows,
		NULL::numeric(19,2) AS skew_sortkey1,
		NULL::numeric(19,2) AS skew_rows,
		(CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE coalesce(s.n_live_tup, 0) END)::numeric(38,0) AS estimated_visible_rows,
		NULL::varchar(128) AS risk_event,
		NULL::numeric(12,2) AS vacuum_sort_benefit,
		NULL::timestamp AS create_time
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
	WHERE c.relkind IN ('r', 'p') AND ` + userRelations + `
		AND pg_relation_size(c.oid) > 0`,
	`REVOKE ALL ON ` + sysSchema + `.svv_table_info FROM PUBLIC`,
	`GRANT SELECT ON ` + sysSchema + `.svv_all_schemas, ` + sysSchema + `.svv_all_tables, ` +
		sysSchema + `.svv_all_columns TO PUBLIC`,
	// Late-binding views do not exist in PostgreSQL (every view is bound to its objects), so the
	// function returns no rows; callers give a column definition list, as on Redshift.
	`CREATE FUNCTION ` + sysSchema + `.pg_get_late_binding_view_cols() RETURNS SETOF record
	LANGUAGE plpgsql STABLE AS $f$ BEGIN RETURN; END $f$`,
	`COMMENT ON SCHEMA ` + sysSchema + ` IS '` + viewsVersion + `'`,
}

// installViews creates or refreshes the system views in the pool's database. An advisory lock
// serializes endpoints that start on the same database at once.
func installViews(ctx context.Context, p *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('`+sysSchema+`'))`); err != nil {
			return err
		}
		var current *string
		err := tx.QueryRow(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, sysSchema).Scan(&current)
		if err == nil && current != nil && *current == viewsVersion {
			return nil
		}
		for _, q := range append([]string{
			`CREATE SCHEMA IF NOT EXISTS ` + sysSchema,
			`GRANT USAGE ON SCHEMA ` + sysSchema + ` TO PUBLIC`,
		}, viewsSQL...) {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("install Redshift system views: %w", err)
			}
		}
		return nil
	})
}
