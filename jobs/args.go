package jobs

// CatalogArgs is the catalog step of a Save and Process run: read the selection's catalog, store
// it, and queue the per-table jobs.
type CatalogArgs struct {
	RunID        int64 `json:"run_id"`
	ConnectionID int64 `json:"connection_id"`
}

// Kind returns the job kind.
func (CatalogArgs) Kind() string { return "catalog" }

// ProfileArgs profiles one table for a run.
type ProfileArgs struct {
	RunID   int64 `json:"run_id"`
	TableID int64 `json:"table_id"`
}

// Kind returns the job kind.
func (ProfileArgs) Kind() string { return "profile" }

// DescribeArgs describes one table for a run.
type DescribeArgs struct {
	RunID   int64 `json:"run_id"`
	TableID int64 `json:"table_id"`
	// Regenerate rewrites AI text that is already there (never human or dbt text).
	Regenerate bool `json:"regenerate,omitempty"`
}

// Kind returns the job kind.
func (DescribeArgs) Kind() string { return "describe" }
