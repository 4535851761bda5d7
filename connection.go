package lore

import "time"

// Warehouse types.
const (
	TypeRedshift = "redshift"
	TypePostgres = "postgres"
)

// Connection is a saved warehouse connection. Its secrets are stored sealed and never leave the
// server: Secrets only says which are set.
type Connection struct {
	ID       int64                  `json:"id"`
	Name     string                 `json:"name"`
	Type     string                 `json:"type"`
	Config   map[string]string      `json:"config"`
	Secrets  map[string]SecretState `json:"secrets"`
	Settings ConnectionSettings     `json:"settings"`
	// ExternalID is minted by Lore for IAM role assumption; clients can read it, never set it.
	ExternalID string    `json:"external_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// SecretState is what the API shows of a secret: whether it is set, and when it last changed.
type SecretState struct {
	Set       bool       `json:"set"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ConnectionSettings are per-connection processing settings; zero values mean the defaults.
type ConnectionSettings struct {
	SampleRows       int   `json:"sample_rows"`
	SamplesPerColumn int   `json:"samples_per_column"`
	MaxRows          int64 `json:"max_rows"`
	Concurrency      int   `json:"concurrency"`
	TimeoutSeconds   int   `json:"timeout_seconds"`
	ProfileExternal  bool  `json:"profile_external"`
}

// Defaults for ConnectionSettings.
const (
	DefaultSampleRows       = 1000
	DefaultSamplesPerColumn = 10
	DefaultMaxRows          = 10_000_000
	DefaultConcurrency      = 4
	DefaultTimeoutSeconds   = 120
)

// WithDefaults returns s with every zero field set to its default.
func (s ConnectionSettings) WithDefaults() ConnectionSettings {
	if s.SampleRows <= 0 {
		s.SampleRows = DefaultSampleRows
	}
	if s.SamplesPerColumn <= 0 {
		s.SamplesPerColumn = DefaultSamplesPerColumn
	}
	if s.MaxRows <= 0 {
		s.MaxRows = DefaultMaxRows
	}
	if s.Concurrency <= 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.TimeoutSeconds <= 0 {
		s.TimeoutSeconds = DefaultTimeoutSeconds
	}
	return s
}

// ConnectionInput is what a client sends to create or edit a connection. On edit, a secret left
// blank keeps its stored value.
type ConnectionInput struct {
	Name     string              `json:"name"`
	Type     string              `json:"type"`
	Config   map[string]string   `json:"config"`
	Secrets  map[string]string   `json:"secrets"`
	Settings *ConnectionSettings `json:"settings,omitempty"`
	// ClearSecrets names stored secrets to delete on edit (switching a Redshift connection from
	// access keys to an IAM role, say).
	ClearSecrets []string `json:"clear_secrets,omitempty"`
}

// SelectionItem selects a table, or a whole schema when Table is empty. FutureTables (schemas
// only) includes tables created later, picked up by Refresh.
type SelectionItem struct {
	Database     string `json:"database"`
	Schema       string `json:"schema"`
	Table        string `json:"table,omitempty"`
	FutureTables bool   `json:"future_tables,omitempty"`
}

// Selection is what a connection's AI analysts may use.
type Selection struct {
	Include []SelectionItem `json:"include"`
}
