CREATE TABLE data_keys (
	id TEXT PRIMARY KEY,
	wrapped BYTEA NOT NULL,
	provider TEXT NOT NULL,
	kek_ref TEXT NOT NULL,
	canary BYTEA NOT NULL,
	state TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (state) WHERE state = 'active';

CREATE TABLE connections (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL,
	config TEXT NOT NULL,
	settings TEXT NOT NULL DEFAULT '{}',
	external_id TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE connection_secrets (
	connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	ciphertext BYTEA NOT NULL,
	key_id TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (connection_id, name)
);

CREATE TABLE selections (
	connection_id BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
	include TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE catalog_tables (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
	database_name TEXT NOT NULL,
	schema_name TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	row_estimate BIGINT NOT NULL DEFAULT -1,
	size_bytes BIGINT NOT NULL DEFAULT -1,
	primary_key TEXT NOT NULL DEFAULT '[]',
	foreign_keys TEXT NOT NULL DEFAULT '[]',
	fingerprint TEXT NOT NULL DEFAULT '',
	removed BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (connection_id, database_name, schema_name, name)
);

-- No foreign key on the two bulk tables: a key check per row would dominate the catalog write
-- (tens of thousands of rows per run). Tables are only ever marked removed; deleting a
-- connection deletes these rows explicitly (store.DeleteConnection).
CREATE TABLE catalog_columns (
	table_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	position BIGINT NOT NULL,
	type TEXT NOT NULL,
	nullable BOOLEAN NOT NULL,
	default_value TEXT NOT NULL DEFAULT '',
	comment TEXT NOT NULL DEFAULT '',
	primary_key BOOLEAN NOT NULL DEFAULT FALSE,
	no_sample BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (table_id, name)
);

CREATE TABLE descriptions (
	table_id BIGINT NOT NULL,
	column_name TEXT NOT NULL,
	source TEXT NOT NULL,
	text TEXT NOT NULL,
	provider TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL DEFAULT '',
	stale BOOLEAN NOT NULL DEFAULT FALSE,
	accepted BOOLEAN NOT NULL DEFAULT FALSE,
	basis TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (table_id, column_name, source)
);

CREATE TABLE profiles (
	table_id BIGINT PRIMARY KEY REFERENCES catalog_tables (id) ON DELETE CASCADE,
	data BYTEA NOT NULL,
	key_id TEXT NOT NULL,
	profiled_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	diff TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	input_tokens BIGINT NOT NULL DEFAULT 0,
	output_tokens BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	started_at TIMESTAMPTZ,
	finished_at TIMESTAMPTZ
);
CREATE INDEX runs_connection ON runs (connection_id, id);
CREATE UNIQUE INDEX runs_one_active ON runs (connection_id) WHERE status IN ('queued', 'running');

CREATE TABLE run_items (
	run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	table_id BIGINT NOT NULL REFERENCES catalog_tables (id) ON DELETE CASCADE,
	job TEXT NOT NULL,
	state TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	attempts BIGINT NOT NULL DEFAULT 0,
	started_at TIMESTAMPTZ,
	finished_at TIMESTAMPTZ,
	PRIMARY KEY (run_id, table_id, job)
);

CREATE TABLE dbt_artifacts (
	connection_id BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
	manifest BYTEA,
	catalog BYTEA,
	path TEXT NOT NULL DEFAULT '',
	report TEXT NOT NULL DEFAULT '{}',
	uploaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE setting_secrets (
	name TEXT PRIMARY KEY,
	ciphertext BYTEA NOT NULL,
	key_id TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE personas (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	instructions TEXT NOT NULL DEFAULT '',
	glossary TEXT NOT NULL DEFAULT '[]',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE persona_tables (
	persona_id BIGINT NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
	table_id BIGINT NOT NULL REFERENCES catalog_tables (id) ON DELETE CASCADE,
	PRIMARY KEY (persona_id, table_id)
);

CREATE TABLE persona_teams (
	persona_id BIGINT NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
	team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
	PRIMARY KEY (persona_id, team_id)
);
