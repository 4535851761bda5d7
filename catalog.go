package lore

import "time"

// TableRef names a table (or view) in a warehouse.
type TableRef struct {
	Database string `json:"database"`
	Schema   string `json:"schema"`
	Name     string `json:"table"`
}

// String returns database.schema.table.
func (r TableRef) String() string { return r.Database + "." + r.Schema + "." + r.Name }

// Table kinds reported by the catalog.
const (
	KindTable    = "table"
	KindView     = "view"
	KindExternal = "external"
)

// ColumnMeta is one column as the warehouse catalog describes it.
type ColumnMeta struct {
	Name       string `json:"name"`
	Position   int    `json:"position"`
	Type       string `json:"type"`
	Nullable   bool   `json:"nullable"`
	Default    string `json:"default,omitempty"`
	Comment    string `json:"comment,omitempty"`
	PrimaryKey bool   `json:"primary_key,omitempty"`
}

// ForeignKey is a declared foreign key from Columns of one table to RefColumns of Ref.
type ForeignKey struct {
	Name       string   `json:"name"`
	Columns    []string `json:"columns"`
	Ref        TableRef `json:"ref"`
	RefColumns []string `json:"ref_columns"`
}

// TableMeta is everything the catalog step reads about one table, in a few set-based statements
// per database. RowEstimate and SizeBytes are -1 when the warehouse has no estimate.
type TableMeta struct {
	Ref         TableRef     `json:"ref"`
	Kind        string       `json:"kind"`
	Comment     string       `json:"comment,omitempty"`
	Columns     []ColumnMeta `json:"columns"`
	PrimaryKey  []string     `json:"primary_key,omitempty"`
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
	RowEstimate int64        `json:"row_estimate"`
	SizeBytes   int64        `json:"size_bytes"`
}

// Dialect names a warehouse SQL dialect.
type Dialect string

// Dialects Lore speaks.
const (
	DialectPostgres Dialect = "postgres"
	DialectRedshift Dialect = "redshift"
)

// ResultSet is a query result with every value as text (DECIMAL stays exact); a nil pointer
// is SQL NULL.
type ResultSet struct {
	Columns []string
	Rows    [][]*string
}

// Querier runs read-only statements Lore generated. Args are bound as parameters, never spliced:
// the PostgreSQL dialect writes them as $1, $2…, Redshift as :p1, :p2….
type Querier interface {
	Dialect() Dialect
	Query(ctx Context, sql string, args ...any) (*ResultSet, error)
}

// ColumnProfile is what the Profiler learned about one column. Min and Max are text so that
// numbers, dates and times keep their exact warehouse form.
type ColumnProfile struct {
	Min              *string   `json:"min,omitempty"`
	Max              *string   `json:"max,omitempty"`
	NullCount        *int64    `json:"null_count,omitempty"`
	DistinctEstimate *int64    `json:"distinct_estimate,omitempty"`
	Samples          []string  `json:"samples,omitempty"`
	Masked           bool      `json:"masked,omitempty"`
	SkipReason       string    `json:"skip_reason,omitempty"`
	ProfiledAt       time.Time `json:"profiled_at"`
}

// TableProfile is the Profiler's result for one table.
type TableProfile struct {
	RowCount   *int64                   `json:"row_count,omitempty"`
	Columns    map[string]ColumnProfile `json:"columns"`
	SkipReason string                   `json:"skip_reason,omitempty"`
	Statements int                      `json:"statements"`
	ProfiledAt time.Time                `json:"profiled_at"`
}
