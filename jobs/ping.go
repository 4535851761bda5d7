package jobs

import (
	"context"

	"github.com/riverqueue/river"
)

// PingArgs is the internal job kind that proves the queue works end to end: `lore serve`
// enqueues one at start, and /readyz reports the queue healthy once a ping completed.
type PingArgs struct {
	Note string `json:"note"`
}

// Kind returns the job kind.
func (PingArgs) Kind() string { return "lore_ping" }

// PingWorker completes ping jobs, calling Done (if set) with each note.
type PingWorker struct {
	river.WorkerDefaults[PingArgs]
	Done func(note string)
}

// Work completes the job.
func (w *PingWorker) Work(ctx context.Context, job *river.Job[PingArgs]) error {
	if w.Done != nil {
		w.Done(job.Args.Note)
	}
	return nil
}
