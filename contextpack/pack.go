// Package contextpack builds a persona's context pack: the tables, columns, types, described
// meanings, profile highlights, keys and join paths, glossary and instructions that an AI analyst
// needs to write SQL, ranked by relevance and trimmed to a token budget.
//
// Text-to-SQL tools struggle with big schemas because they paste all of it into the prompt.
// Build instead ranks every part of the persona's context and, under a budget, drops the least
// relevant parts first (sample values, then profile highlights, then column descriptions, then
// whole columns and tables), saying in the pack what it left out. Tokens are counted with the
// cl100k_base vocabulary of github.com/tiktoken-go/tokenizer on the exact rendering returned.
//
// The package is pure: callers load the persona and its tables and pass them in.
package contextpack

import "github.com/lorehq/lore"

// Persona is the persona a pack is built for, as the caller loaded it.
type Persona struct {
	ID           string
	Name         string
	Description  string
	Instructions string
	Glossary     []Term
}

// Term is one glossary entry of a persona.
type Term struct {
	Term       string   `json:"term"`
	Definition string   `json:"definition"`
	Keywords   []string `json:"keywords,omitempty"`
}

// Described is a description with where it came from: Source is human, dbt, comment, ai or
// heuristic; Model names the AI model for ai; Stale marks a description written before the
// column last changed.
type Described struct {
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
	Model  string `json:"model,omitempty"`
	Stale  bool   `json:"stale,omitempty"`
}

// Table is one table of the persona, as processed by Lore. RowEstimate is -1 when unknown.
// Removed marks a table dropped or deselected in the warehouse since it was added: it is left
// out of the pack with a warning.
type Table struct {
	ID          string
	Ref         lore.TableRef
	Kind        string
	Description Described
	RowEstimate int64
	Removed     bool
	PrimaryKey  []string
	ForeignKeys []lore.ForeignKey
	Columns     []Column
}

// Column is one column of a Table, in ordinal order. Profile is nil when the column was not
// profiled.
type Column struct {
	Name        string
	Type        string
	Nullable    bool
	Description Described
	Profile     *lore.ColumnProfile
}

// Formats a pack can be rendered in.
const (
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Options tune Build. BudgetTokens 0 means no limit. Query, when set, ranks the tables, columns
// and glossary terms that match its words higher. Format is the rendering whose token count must
// fit the budget: FormatMarkdown (the default) or FormatJSON.
type Options struct {
	BudgetTokens int
	Query        string
	Format       string
}

// Pack is a persona's context pack. Tables are ranked, most relevant first; their columns keep
// their ordinal order. Tokens is the cl100k_base token count of the rendering in Format
// (Markdown or JSON), which is at most Budget when a budget was given.
type Pack struct {
	Persona   PersonaInfo `json:"persona"`
	Tables    []PackTable `json:"tables"`
	Joins     []Join      `json:"joins"`
	Glossary  []Term      `json:"glossary"`
	Warnings  []string    `json:"warnings"`
	Omitted   []Omission  `json:"omitted"`
	Format    string      `json:"format"`
	Tokenizer string      `json:"tokenizer"`
	Tokens    int         `json:"tokens"`
	Budget    int         `json:"budget_tokens,omitempty"`
}

// PersonaInfo is the persona part of a pack.
type PersonaInfo struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	Instructions string `json:"instructions,omitempty"`
}

// PackTable is a table as kept in a pack. OmittedColumns counts the columns left out to fit the
// budget.
type PackTable struct {
	lore.TableRef
	ID             string       `json:"id"`
	Kind           string       `json:"kind,omitempty"`
	Description    *Described   `json:"description,omitempty"`
	RowEstimate    *int64       `json:"row_estimate,omitempty"`
	PrimaryKey     []string     `json:"primary_key,omitempty"`
	Columns        []PackColumn `json:"columns"`
	OmittedColumns int          `json:"omitted_columns,omitempty"`
}

// PackColumn is a column as kept in a pack. PrimaryKey marks a column of the declared primary
// key.
type PackColumn struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Nullable    bool        `json:"nullable"`
	PrimaryKey  bool        `json:"primary_key,omitempty"`
	Description *Described  `json:"description,omitempty"`
	Profile     *Highlights `json:"profile,omitempty"`
}

// Highlights are the parts of a column profile a pack shows: range, distinct and null counts
// and a few sample values (never for masked columns).
type Highlights struct {
	Min              *string  `json:"min,omitempty"`
	Max              *string  `json:"max,omitempty"`
	NullCount        *int64   `json:"null_count,omitempty"`
	DistinctEstimate *int64   `json:"distinct_estimate,omitempty"`
	Masked           bool     `json:"masked,omitempty"`
	Samples          []string `json:"samples,omitempty"`
}

// JoinEnd is one side of a join: a table and its columns, in matching order with the other side.
type JoinEnd struct {
	lore.TableRef
	Columns []string `json:"columns"`
}

// Join is a join path between two tables of the pack: a declared foreign key (Inferred false) or
// a likely join found from matching column names and types (Inferred true). Reason says which.
type Join struct {
	From     JoinEnd `json:"from"`
	To       JoinEnd `json:"to"`
	Inferred bool    `json:"inferred"`
	Reason   string  `json:"reason"`
}

// Omission says what a pack left out and why. Kind is one of samples, profiles,
// column_descriptions, columns, tables, glossary, table_descriptions, persona_description.
type Omission struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
	What  string `json:"what"`
	Why   string `json:"why"`
}
