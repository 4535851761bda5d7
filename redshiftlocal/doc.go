// Package redshiftlocal is a local Amazon Redshift Data API endpoint backed by PostgreSQL. The
// unmodified aws-sdk-go-v2 redshiftdata client talks to it, so Lore's Redshift flow can be tried
// and tested without an AWS account.
//
// It speaks AWS JSON 1.1 over HTTP (POST, dispatched on X-Amz-Target), verifies SigV4 signatures
// for the service "redshift-data" against one configured key pair, and answers every request
// with an X-Amzn-RequestId. It serves ExecuteStatement, BatchExecuteStatement,
// DescribeStatement, GetStatementResult, CancelStatement, ListStatements, ListDatabases,
// ListSchemas, ListTables and DescribeTable with the field casing, statuses, error types, HTTP
// codes and pagination of the real service (see reference/redshift-data-api.md in the shared
// material).
//
// # Statements
//
// Each statement (or batch) runs in the background on a fresh PostgreSQL session, as the Data API
// does without a SessionId: SUBMITTED until a worker slot is free, PICKED while connecting,
// STARTED while PostgreSQL runs it, then FINISHED, FAILED (Error holds PostgreSQL's text, e.g.
// `ERROR: relation "x" does not exist`) or ABORTED. CancelStatement sends PostgreSQL a cancel
// request. A batch runs in one transaction; its sub-statements are "<id>:<n>". Results are kept
// in memory, as JSON Field arrays, for the retention period (24 h) within a byte budget that
// evicts the oldest statements first. `:name` parameters become PostgreSQL placeholders whose
// untyped text values PostgreSQL casts, as Redshift does; names inside literals, quoted
// identifiers, dollar quotes and comments are left alone.
//
// # Roles
//
// The endpoint connects with the configured URL, whose role must be a superuser, and switches
// every session to the caller's mapped role with SET ROLE, so PostgreSQL's grants decide what
// the caller sees:
//
//   - ClusterIdentifier + DbUser: the role named DbUser. It must already exist (the Data API
//     calls GetClusterCredentials without AutoCreate); otherwise the statement fails with
//     `FATAL: user "x" does not exist`.
//   - ClusterIdentifier or WorkgroupName alone: the role "IAM:<IAMUser>", created without
//     privileges on first use, as Redshift does for IAM identities.
//   - SecretArn: the secret's Username (configured in Config.Secrets; no password is needed
//     because the endpoint switches role instead of logging in).
//
// The role must hold CONNECT on the database. Statements that themselves SET or RESET ROLE or
// SESSION AUTHORIZATION are refused, but a determined caller could still reach the superuser
// through dynamic SQL: this is a development tool, not a security boundary.
//
// # Redshift system views
//
// In every database it serves, the endpoint owns the schema lore_redshift, puts it last on the
// search_path of its sessions and creates SVV_ALL_SCHEMAS, SVV_ALL_TABLES, SVV_ALL_COLUMNS and
// SVV_TABLE_INFO there, with Redshift's column names, plus pg_get_late_binding_view_cols()
// (no rows: PostgreSQL has no late-binding views). The schema is hidden from ListSchemas,
// ListTables and DescribeTable.
//
// # Not supported
//
// Sessions (SessionId, SessionKeepAliveSeconds > 0), ResultFormat CSV and GetStatementResultV2,
// WithEvent, and cross-database listing (ConnectedDatabase is ignored: the endpoint connects to
// Database itself) are not supported; the first two answer ValidationException.
package redshiftlocal
