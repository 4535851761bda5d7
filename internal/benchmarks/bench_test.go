package benchmarks

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

func TestPercentileAndMedian(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got := percentile(ds, 95); got != 95*time.Millisecond {
		t.Errorf("p95 = %v, want 95ms", got)
	}
	if got := percentile(ds, 100); got != 100*time.Millisecond {
		t.Errorf("p100 = %v, want 100ms", got)
	}
	if got := medianOf([]time.Duration{3, 1, 2}); got != 2 {
		t.Errorf("median = %v, want 2", got)
	}
	if percentile(nil, 95) != 0 || medianOf(nil) != 0 {
		t.Error("empty input must give 0")
	}
}

func TestPrintAlignsAndNumbersNotes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	Print(&b, []Row{
		{Name: "a", Lore: "1 s", Ref: "2 s", Ratio: "0.50×", Target: "≤ 2.0×", Status: "pass", Note: "first"},
		{Name: "longer name", Lore: "skipped", Status: "skipped"},
	})
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want header, rule, 2 rows and 1 note:\n%s", len(lines), out)
	}
	if !strings.HasPrefix(lines[2], "a [1]") || lines[4] != "[1] first" {
		t.Errorf("note not numbered:\n%s", out)
	}
	if strings.Index(lines[0], "Lore") != strings.Index(lines[2], "1 s") {
		t.Errorf("columns not aligned:\n%s", out)
	}
	if !Failed([]Row{{Status: "FAIL"}}) || Failed([]Row{{Status: "pass"}, {Status: "skipped"}}) {
		t.Error("Failed misreports")
	}
}

func TestAggregateScriptQuotesAndReadsMinMax(t *testing.T) {
	t.Parallel()
	got := aggregateScript([]lore.TableMeta{{Ref: lore.TableRef{Schema: "s", Name: `we"ird`}, Columns: []lore.ColumnMeta{
		{Name: "n", Type: "integer"}, {Name: "t", Type: "text"}, {Name: "d", Type: "timestamp without time zone"}}}})
	want := `SELECT count(*), count("n"), min("n"), max("n"), count("t"), count("d"), min("d"), max("d") FROM "s"."we""ird";` + "\n"
	if got != want {
		t.Errorf("script\n got %s\nwant %s", got, want)
	}
}

// TestCatalogBenchmark runs the catalog benchmark against the test server when LORE_BENCH=1
// (it may build wh_small and wh_large). It checks counts, never durations.
func TestCatalogBenchmark(t *testing.T) {
	if os.Getenv("LORE_BENCH") != "1" {
		t.Skip("set LORE_BENCH=1 to run the benchmark suite's catalog benchmark")
	}
	rows, err := Run(context.Background(), Options{Only: "catalog", ServerURL: testpg.ServerURL(t), SharedDir: testpg.SharedDir(t), Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if strings.HasPrefix(r.Name, "catalog statements") {
			found = true
			if r.Status != "pass" {
				t.Errorf("statement count grew with tables: %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("no statement count row in %+v", rows)
	}
}
