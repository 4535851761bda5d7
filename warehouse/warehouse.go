// Package warehouse connects Lore to data warehouses: Amazon Redshift through the Data API and
// PostgreSQL through pgx. A connector implements the small core interface Conn (test, browse,
// catalog); optional capabilities (lore.Querier, Stats) are discovered by type assertion, in the
// style of database/sql/driver.
//
// Connectors only run statements Lore generates; PostgreSQL sessions are read-only.
package warehouse

import (
	"context"

	"github.com/lorehq/lore"
)

// Warehouse types accepted by Open.
const (
	TypeRedshift = "redshift"
	TypePostgres = "postgres"
)

// Conn is an open connection to one warehouse. It is safe for concurrent use.
type Conn interface {
	// Test runs every connection check and reports each one; it saves nothing.
	Test(ctx context.Context) TestReport
	// Databases lists the databases, one page at a time.
	Databases(ctx context.Context, page PageRequest) (Page, error)
	// Schemas lists the schemas of database db that are not system schemas.
	Schemas(ctx context.Context, db string, page PageRequest) (Page, error)
	// Tables lists the tables and views of db.schema.
	Tables(ctx context.Context, db, schema string, page PageRequest) (Page, error)
	// Catalog reads the metadata of every selected table and returns it in one slice.
	Catalog(ctx context.Context, sel Selection) ([]lore.TableMeta, error)
	// CatalogEach reads the metadata of every selected table and calls fn once per table as soon
	// as the table is complete, so memory stays bounded for very large selections. An error
	// returned by fn stops the walk and is returned.
	CatalogEach(ctx context.Context, sel Selection, fn func(lore.TableMeta) error) error
	// Close releases the connection's resources.
	Close() error
}

// Stats counts the work a connection has done since it was opened.
type Stats struct {
	// Statements is the number of SQL statements run.
	Statements int64 `json:"statements"`
	// APICalls is the number of Redshift Data API operations called (0 for PostgreSQL).
	APICalls int64 `json:"api_calls"`
}

// StatsReporter is an optional capability: connections that count their statements and API
// calls (both connectors do) implement it.
type StatsReporter interface {
	Stats() Stats
}

// DatabaseQuerier is an optional capability: a lore.Querier bound to one database of the
// warehouse rather than to the connection's default database.
type DatabaseQuerier interface {
	QuerierFor(db string) lore.Querier
}

// PageRequest asks for one page of a listing. After is the Next value of the previous page
// (opaque), Limit the page size (0 means DefaultPageLimit), and Search an optional
// case-insensitive substring the names must contain.
type PageRequest struct {
	After  string `json:"after,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Search string `json:"search,omitempty"`
}

// Page limits.
const (
	DefaultPageLimit = 200
	MaxPageLimit     = 1000
)

func (p PageRequest) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageLimit
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// Entry is one item of a listing. Kind is set for tables (lore.KindTable, KindView,
// KindExternal).
type Entry struct {
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

// Page is one page of a listing; Next is empty on the last page.
type Page struct {
	Items []Entry `json:"items"`
	Next  string  `json:"next,omitempty"`
}

// Selection lists what to catalog. An item with an empty Table selects every current table and
// view of its schema.
type Selection []SelectionItem

// SelectionItem selects one table, or a whole schema when Table is empty.
type SelectionItem struct {
	Database string `json:"database"`
	Schema   string `json:"schema"`
	Table    string `json:"table,omitempty"`
}

// databaseFilter is the part of a selection that concerns one database.
type databaseFilter struct {
	schemas map[string]bool            // whole schemas
	tables  map[string]map[string]bool // schema -> table -> selected
}

// byDatabase groups the selection by database, in first-seen order.
func (s Selection) byDatabase() ([]string, map[string]*databaseFilter) {
	var order []string
	m := map[string]*databaseFilter{}
	for _, it := range s {
		f := m[it.Database]
		if f == nil {
			f = &databaseFilter{schemas: map[string]bool{}, tables: map[string]map[string]bool{}}
			m[it.Database] = f
			order = append(order, it.Database)
		}
		if it.Table == "" {
			f.schemas[it.Schema] = true
			continue
		}
		if f.tables[it.Schema] == nil {
			f.tables[it.Schema] = map[string]bool{}
		}
		f.tables[it.Schema][it.Table] = true
	}
	return order, m
}

// match reports whether schema.table is selected.
func (f *databaseFilter) match(schema, table string) bool {
	return f.schemas[schema] || f.tables[schema][table]
}

// schemaList returns every schema the filter touches.
func (f *databaseFilter) schemaList() []string {
	var out []string
	for s := range f.schemas {
		out = append(out, s)
	}
	for s := range f.tables {
		if !f.schemas[s] {
			out = append(out, s)
		}
	}
	return out
}

// validate checks a selection before any statement runs.
func (s Selection) validate() error {
	if len(s) == 0 {
		return lore.Errorf(lore.EINVALID, "The selection is empty: choose at least one schema or table.")
	}
	for _, it := range s {
		if it.Database == "" || it.Schema == "" {
			return lore.Errorf(lore.EINVALID, "Every selected item needs a database and a schema (got %q.%q).", it.Database, it.Schema)
		}
	}
	return nil
}

// collect runs CatalogEach and gathers the tables into a slice.
func collect(ctx context.Context, c Conn, sel Selection) ([]lore.TableMeta, error) {
	var out []lore.TableMeta
	err := c.CatalogEach(ctx, sel, func(t lore.TableMeta) error {
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// isSystemSchema reports schemas that hold the warehouse's own catalog, hidden from browsing
// (lore_redshift holds the system views of Lore's local Redshift endpoint).
func isSystemSchema(s string) bool {
	switch s {
	case "lore_redshift", "information_schema", "pg_catalog", "pg_internal", "pg_automv", "pg_auto_copy", "pg_mv", "pg_s3", "catalog_history":
		return true
	}
	return len(s) >= 8 && (s[:8] == "pg_toast" || s[:7] == "pg_temp")
}
