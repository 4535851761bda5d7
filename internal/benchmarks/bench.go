// Package benchmarks measures Lore against references run in the same process and the same
// run: the catalog pass against bulk_catalog.sql, Save and Process against the connector's own
// catalog pass, profiling against one aggregate statement per table, the encrypted store
// against a plain one, context packs against reading their tables, and the HTTP API under load
// against /healthz. cmd/lore-bench prints the rows as one table; docs/PERFORMANCE.md explains
// them.
//
// The machines are shared and noisy, so every figure is compared with a reference measured
// back to back or interleaved with it, and cheap pairs are repeated (median of 3).
package benchmarks

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// Names of the benchmarks, in the order Run runs them; Options.Only takes one of them.
var Names = []string{"catalog", "process", "profile", "store", "context", "load"}

// Options configures a run.
type Options struct {
	// Only runs one benchmark (one of Names); empty runs all.
	Only string
	// Huge builds the 20,000-table warehouse when it is missing; Prof builds the 3.8 GB
	// profiling warehouse when it is missing.
	Huge, Prof bool
	// LoadSeconds is how long the load test runs (default 30).
	LoadSeconds int
	// ServerURL is the PostgreSQL server holding the synthetic warehouses (default: the test
	// server, LORE_TEST_DATABASE_URL or 127.0.0.1:5432).
	ServerURL string
	// SharedDir holds bench/gen_warehouse.sh and bench/bulk_catalog.sql.
	SharedDir string
	// Log receives progress lines (default os.Stderr).
	Log io.Writer
}

// Row is one line of the result table. Lore and Ref are formatted figures; Status is "pass",
// "FAIL", "info" or "skipped".
type Row struct {
	Name   string
	Lore   string
	Ref    string
	Ratio  string
	Target string
	Status string
	Note   string
}

// Runner holds what benchmarks share: the warehouse catalog read once, the Lore stack that
// Save and Process filled (reused by the context and load benchmarks), and cleanups.
type Runner struct {
	opts     Options
	rows     []Row
	cleanups []func()
	metas    []lore.TableMeta // wh_large, read once
	lore     *loreEnv
}

// Run runs the chosen benchmarks and returns their rows. A benchmark that cannot run (a
// warehouse that fails to build) is reported as a FAIL row rather than stopping the others.
func Run(ctx context.Context, opts Options) ([]Row, error) {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.LoadSeconds <= 0 {
		opts.LoadSeconds = 30
	}
	if opts.Only != "" && !contains(Names, opts.Only) {
		return nil, lore.Errorf(lore.EINVALID, "unknown benchmark %q; choose one of %s", opts.Only, strings.Join(Names, ", "))
	}
	if opts.ServerURL == "" {
		opts.ServerURL = defaultServerURL()
	}
	if err := ping(ctx, opts.ServerURL); err != nil {
		return nil, fmt.Errorf("no PostgreSQL at %s (%v); start one or set LORE_TEST_DATABASE_URL", redact(opts.ServerURL), err)
	}
	r := &Runner{opts: opts}
	defer r.close()
	steps := map[string]func(context.Context) error{
		"catalog": r.catalogBench, "process": r.processBench, "profile": r.profileBench,
		"store": r.storeBench, "context": r.contextBench, "load": r.loadBench,
	}
	for _, name := range Names {
		if opts.Only != "" && opts.Only != name {
			continue
		}
		r.logf("== %s", name)
		start := time.Now()
		if err := steps[name](ctx); err != nil {
			r.add(Row{Name: name, Status: "FAIL", Note: err.Error()})
			r.logf("%s failed: %v", name, err)
		}
		r.logf("   %s took %s", name, time.Since(start).Round(100*time.Millisecond))
		if ctx.Err() != nil {
			return r.rows, ctx.Err()
		}
	}
	return r.rows, nil
}

func (r *Runner) close() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func (r *Runner) logf(format string, args ...any) {
	fmt.Fprintf(r.opts.Log, format+"\n", args...)
}

func (r *Runner) add(row Row) {
	r.rows = append(r.rows, row)
	r.logf("   %s: %s (reference %s) %s %s", row.Name, row.Lore, row.Ref, row.Ratio, row.Status)
}

// compare adds a row whose Lore figure must stay within max times the reference.
func (r *Runner) compare(name string, got, ref time.Duration, max float64, note string) {
	ratio := float64(got) / float64(ref)
	r.add(Row{Name: name, Lore: fmtDur(got), Ref: fmtDur(ref), Ratio: fmt.Sprintf("%.2f×", ratio),
		Target: fmt.Sprintf("≤ %.1f×", max), Status: passFail(ratio <= max), Note: note})
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// Print writes rows as one aligned table, with notes numbered below it.
func Print(w io.Writer, rows []Row) {
	header := []string{"benchmark", "Lore", "reference (same run)", "ratio", "target", "result"}
	cells := [][]string{header}
	var notes []string
	for _, r := range rows {
		name := r.Name
		if r.Note != "" {
			notes = append(notes, r.Note)
			name = fmt.Sprintf("%s [%d]", name, len(notes))
		}
		cells = append(cells, []string{name, r.Lore, r.Ref, r.Ratio, r.Target, r.Status})
	}
	widths := make([]int, len(header))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for n, row := range cells {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if n == 0 {
			total := 0
			for _, wd := range widths {
				total += wd + 2
			}
			fmt.Fprintln(w, strings.Repeat("-", total-2))
		}
	}
	for i, n := range notes {
		fmt.Fprintf(w, "[%d] %s\n", i+1, n)
	}
}

// Failed reports whether any row failed.
func Failed(rows []Row) bool {
	for _, r := range rows {
		if r.Status == "FAIL" {
			return true
		}
	}
	return false
}

// median runs fn n times and returns the median of the durations it reports.
func median(n int, fn func() (time.Duration, error)) (time.Duration, error) {
	var ds []time.Duration
	for range n {
		d, err := fn()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	return medianOf(ds), nil
}

func medianOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// percentile returns the p-th percentile (0–100) of ds by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Machine describes where the run happened (CPUs, Go version), for the table's footer.
func Machine() string {
	return fmt.Sprintf("%d CPUs, %s %s/%s", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
