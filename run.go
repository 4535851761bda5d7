package lore

import "time"

// Run statuses, also used for item states (an item is never "cancelled" and "done" at once).
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusDone      = "done"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// Job kinds that run per table.
const (
	JobProfile  = "profile"
	JobDescribe = "describe"
)

// Run is one Save and Process (or Refresh) of a connection.
type Run struct {
	ID           int64      `json:"id"`
	ConnectionID int64      `json:"connection_id"`
	Kind         string     `json:"kind"` // process or refresh
	Status       string     `json:"status"`
	Error        string     `json:"error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	CreatedBy    string     `json:"created_by,omitempty"`
	Diff         *Diff      `json:"diff,omitempty"`
	Counts       RunCounts  `json:"counts"`
	// ETASeconds estimates the time left from the pace so far (nil when unknown).
	ETASeconds *int      `json:"eta_seconds,omitempty"`
	Tables     []RunItem `json:"tables,omitempty"`
	// InputTokens and OutputTokens count AI use in this run.
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
}

// RunCounts sums a run's items by state.
type RunCounts struct {
	Total     int `json:"total"`
	Queued    int `json:"queued"`
	Running   int `json:"running"`
	Done      int `json:"done"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
}

// RunItem is one job of one table in a run.
type RunItem struct {
	TableID   int64      `json:"table_id"`
	Table     string     `json:"table"`
	Job       string     `json:"job"`
	State     string     `json:"state"`
	Error     string     `json:"error,omitempty"`
	Attempts  int        `json:"attempts"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	ElapsedMS int64      `json:"elapsed_ms"`
}

// Diff is what a Refresh found changed in the warehouse.
type Diff struct {
	Added   []string      `json:"added"`
	Removed []string      `json:"removed"`
	Changed []TableChange `json:"changed"`
}

// TableChange lists the column changes of one table.
type TableChange struct {
	Table          string   `json:"table"`
	ColumnsAdded   []string `json:"columns_added,omitempty"`
	ColumnsDropped []string `json:"columns_dropped,omitempty"`
	TypesChanged   []string `json:"types_changed,omitempty"`
	CommentChanged bool     `json:"comment_changed,omitempty"`
}
