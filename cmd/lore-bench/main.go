// Command lore-bench runs Lore's benchmarks (`make bench`) and prints one table: every figure
// beside its reference measured in the same run, their ratio, the target and whether it was
// met. docs/PERFORMANCE.md explains each row and how to reproduce it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/lorehq/lore/internal/benchmarks"
	"github.com/lorehq/lore/internal/testpg"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses the flags, runs the benchmarks and prints the table; it returns the exit code:
// 0 when every target was met, 1 when one was missed, 2 when the benchmarks could not run.
func run(args []string) int {
	fs := flag.NewFlagSet("lore-bench", flag.ContinueOnError)
	only := fs.String("only", "", "run one benchmark: "+strings.Join(benchmarks.Names, ", "))
	huge := fs.Bool("huge", false, "build the 20,000-table warehouse wh_huge when missing (takes minutes) and measure the catalog's peak heap")
	prof := fs.Bool("prof", false, "build the 3.8 GB profiling warehouse wh_prof when missing (over 10 minutes) and profile it")
	loadSeconds := fs.Int("load-seconds", 30, "how long the load test runs, in seconds")
	serverURL := fs.String("server", "", "PostgreSQL server holding the synthetic warehouses (default LORE_TEST_DATABASE_URL or 127.0.0.1:5432)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	shared, err := testpg.FindSharedDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lore-bench: %v; set LORE_SHARED_DIR to the folder holding bench/gen_warehouse.sh\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	rows, err := benchmarks.Run(ctx, benchmarks.Options{Only: *only, Huge: *huge, Prof: *prof, LoadSeconds: *loadSeconds,
		ServerURL: *serverURL, SharedDir: shared, Log: os.Stderr})
	fmt.Println()
	benchmarks.Print(os.Stdout, rows)
	fmt.Printf("\ntotal %s on %s\n", time.Since(start).Round(time.Second), benchmarks.Machine())
	if err != nil {
		fmt.Fprintf(os.Stderr, "lore-bench: %v\n", err)
		return 2
	}
	if benchmarks.Failed(rows) {
		return 1
	}
	return 0
}
