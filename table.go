package lore

import "time"

// Description sources, highest precedence first.
const (
	SourceHuman     = "human"
	SourceDBT       = "dbt"
	SourceComment   = "comment"
	SourceAI        = "ai"
	SourceHeuristic = "heuristic"
)

// Description is the shown description of a table or column and where it came from.
type Description struct {
	Text      string     `json:"text"`
	Source    string     `json:"source,omitempty"`
	Model     string     `json:"model,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Stale     bool       `json:"stale"`
	// Draft is true for AI text not yet accepted by a person.
	Draft bool `json:"draft,omitempty"`
	// Sources lists every stored candidate (the shown one included), highest precedence first.
	Sources []DescriptionCandidate `json:"sources,omitempty"`
}

// DescriptionCandidate is one stored description from one source.
type DescriptionCandidate struct {
	Text      string    `json:"text"`
	Source    string    `json:"source"`
	Provider  string    `json:"provider,omitempty"`
	Model     string    `json:"model,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Stale     bool      `json:"stale,omitempty"`
	Accepted  bool      `json:"accepted,omitempty"`
}

// Column is a stored column of a processed table.
type Column struct {
	Name        string         `json:"name"`
	Position    int            `json:"position"`
	Type        string         `json:"type"`
	Nullable    bool           `json:"nullable"`
	Default     string         `json:"default,omitempty"`
	Comment     string         `json:"comment,omitempty"`
	PrimaryKey  bool           `json:"primary_key"`
	NoSample    bool           `json:"no_sample"`
	Description Description    `json:"description"`
	Profile     *ColumnProfile `json:"profile"`
}

// Table is a stored (selected and processed) table.
type Table struct {
	ID           int64        `json:"id"`
	ConnectionID int64        `json:"connection_id"`
	Database     string       `json:"database"`
	Schema       string       `json:"schema"`
	Name         string       `json:"name"`
	Kind         string       `json:"kind"`
	Comment      string       `json:"comment,omitempty"`
	Description  Description  `json:"description"`
	RowEstimate  int64        `json:"row_estimate"`
	SizeBytes    int64        `json:"size_bytes"`
	PrimaryKey   []string     `json:"primary_key"`
	ForeignKeys  []ForeignKey `json:"foreign_keys"`
	Columns      []Column     `json:"columns"`
	RowCount     *int64       `json:"row_count,omitempty"`
	ProfiledAt   *time.Time   `json:"profiled_at,omitempty"`
	ProfileNote  string       `json:"profile_note,omitempty"`
	// Removed is set when the table was dropped in the warehouse or deselected: it stays in
	// history, marked.
	Removed   bool      `json:"removed"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref returns the table's warehouse name.
func (t *Table) Ref() TableRef { return TableRef{Database: t.Database, Schema: t.Schema, Name: t.Name} }
