package describe

import (
	"github.com/lorehq/lore"
)

// Request is everything Lore tells a describer about one table: its catalog entry, its
// columns (those without a description are the ones to write), and context that helps. Profile samples
// must already be masked; the AI describer masks again before anything leaves the process.
type Request struct {
	Table            lore.TableMeta   `json:"table"`
	TableDescription string           `json:"table_description,omitempty"`
	Columns          []ColumnInput    `json:"columns"`
	Neighbours       []NeighbourTable `json:"neighbours,omitempty"`
	RowCount         *int64           `json:"row_count,omitempty"`
	// SkipTable asks for column descriptions only: the table already has a description that
	// a generated one could not replace.
	SkipTable bool `json:"skip_table,omitempty"`
}

// ColumnInput is one column of the table. Columns with an empty Description are the ones to
// describe; a Description (from dbt, a comment, a person) is context for the others. Give
// stale AI text as empty so it is written again.
type ColumnInput struct {
	Name        string              `json:"name"`
	Type        string              `json:"type"`
	Description string              `json:"description,omitempty"`
	PrimaryKey  bool                `json:"primary_key,omitempty"`
	References  *lore.TableRef      `json:"references,omitempty"`
	Profile     *lore.ColumnProfile `json:"profile,omitempty"`
}

// NeighbourTable is a table related to the one being described (by a foreign key either way,
// or in the same schema) with its shown description.
type NeighbourTable struct {
	Ref         lore.TableRef `json:"ref"`
	Description string        `json:"description,omitempty"`
}

// Usage is the token use of one Describe call, summed over its requests.
type Usage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	Requests     int   `json:"requests"`
}

// Result is what a describer wrote for one table. Columns maps the requested column names
// (as given in the Request) to their new descriptions. Source is SourceAI or
// SourceHeuristic and is what the stored candidates must carry. Dropped lists column names
// the model described that the table does not have (they are discarded); Missing lists
// requested columns the model left out even after a retry. FallbackReason is set when a
// heuristic answered because the AI provider was rejected (see Fallback).
type Result struct {
	TableDescription string            `json:"table_description,omitempty"`
	Columns          map[string]string `json:"columns"`
	Source           string            `json:"source"`
	Provider         string            `json:"provider,omitempty"`
	Model            string            `json:"model,omitempty"`
	Usage            Usage             `json:"usage"`
	Dropped          []string          `json:"dropped,omitempty"`
	Missing          []string          `json:"missing,omitempty"`
	FallbackReason   string            `json:"fallback_reason,omitempty"`
}

// Describer writes descriptions for one table. Describe returns an error carrying a lore
// error code: EUNAUTHORIZED or EFORBIDDEN when the provider rejects Lore's credentials or
// model (IsConfigError: report once, fall back), ETOOMANY and EUNAVAILABLE for rate limits,
// timeouts and provider failures worth retrying later, EINVALID for a request Lore cannot
// send.
type Describer interface {
	Describe(ctx lore.Context, req Request) (Result, error)
	// Name returns the provider name shown to users, e.g. "openai", "bedrock" or "heuristic".
	Name() string
}

// Prompt is one request to a language model.
type Prompt struct {
	System string
	User   string
}

// Completion is a language model's answer to a Prompt.
type Completion struct {
	Text         string
	InputTokens  int64
	OutputTokens int64
	// Truncated is true when the model stopped at its output token limit.
	Truncated bool
}

// Model is one chat model behind a provider API. Provider packages implement it; NewAI turns
// it into a Describer. Complete returns errors made with ProviderErr or classified by the
// provider package, and retries rate limits and server errors itself.
type Model interface {
	Complete(ctx lore.Context, p Prompt) (Completion, error)
	// Provider returns the provider name, e.g. "openai" or "bedrock".
	Provider() string
	// Model returns the model identifier sent to the provider.
	Model() string
}
