package profile

import (
	"context"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

func TestTICKIT(t *testing.T) {
	t.Parallel()
	db := setupTICKIT(t)
	pg := lore.DialectPostgres

	t.Run("venue min max and nulls", func(t *testing.T) {
		t.Parallel()
		prof, _, err := profileTable(t, db, pg, tableMeta(t, db, "tickit", "venue"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if prof.Statements != 2 {
			t.Errorf("statements = %d, want 2", prof.Statements)
		}
		if prof.RowCount == nil || *prof.RowCount != 202 {
			t.Errorf("row count = %v, want 202", prof.RowCount)
		}
		seats := prof.Columns["venueseats"]
		if deref(seats.Min) != "0" || deref(seats.Max) != "91704" {
			t.Errorf("venueseats min/max = %q/%q, want 0/91704", deref(seats.Min), deref(seats.Max))
		}
		if seats.NullCount == nil || *seats.NullCount != 15 {
			t.Errorf("venueseats nulls = %v, want 15", seats.NullCount)
		}
		if seats.DistinctEstimate != nil {
			t.Errorf("PostgreSQL has no cheap distinct estimate, got %d", *seats.DistinctEstimate)
		}
		if seats.Samples != nil {
			t.Errorf("numeric column got samples %q", seats.Samples)
		}
		name := prof.Columns["venuename"]
		if len(name.Samples) != 10 || name.Masked || name.Min != nil {
			t.Errorf("venuename = %+v, want 10 unmasked samples and no min", name)
		}
		if st := prof.Columns["venuestate"]; len(st.Samples) == 0 || len(st.Samples[0]) != 2 {
			t.Errorf("venuestate samples = %q, want two-letter states", st.Samples)
		}
	})

	t.Run("event samples and timestamps", func(t *testing.T) {
		t.Parallel()
		meta := tableMeta(t, db, "tickit", "event")
		prof, q, err := profileTable(t, db, pg, meta, Options{SamplesPerColumn: 5})
		if err != nil {
			t.Fatal(err)
		}
		ev := prof.Columns["eventname"]
		if len(ev.Samples) != 5 || ev.Masked {
			t.Errorf("eventname samples = %q (masked %v), want 5 unmasked", ev.Samples, ev.Masked)
		}
		seen := map[string]bool{}
		for _, s := range ev.Samples {
			if s == "" || seen[s] {
				t.Errorf("eventname samples %q hold an empty or repeated value", ev.Samples)
			}
			seen[s] = true
		}
		st := prof.Columns["starttime"]
		if deref(st.Min) != "2008-01-01 14:00:00" || deref(st.Max) != "2008-12-31 20:00:00" {
			t.Errorf("starttime min/max = %q/%q", deref(st.Min), deref(st.Max))
		}
		if prof.RowCount == nil || *prof.RowCount != 8798 {
			t.Errorf("row count = %v, want 8798", prof.RowCount)
		}
		perColumn := PerColumnStatements(pg, meta)
		if perColumn != 1+5*3+2 {
			t.Errorf("per-column statements = %d, want %d", perColumn, 1+5*3+2)
		}
		if got := len(q.statements()); got >= perColumn {
			t.Errorf("sent %d statements, a per-column profiler would send %d", got, perColumn)
		}
	})

	t.Run("date", func(t *testing.T) {
		t.Parallel()
		prof, _, err := profileTable(t, db, pg, tableMeta(t, db, "tickit", "date"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		cal := prof.Columns["caldate"]
		if deref(cal.Min) != "2008-01-01" || deref(cal.Max) != "2008-12-31" {
			t.Errorf("caldate min/max = %q/%q", deref(cal.Min), deref(cal.Max))
		}
		if h := prof.Columns["holiday"]; h.NullCount == nil || h.Min != nil || h.Samples != nil {
			t.Errorf("boolean holiday = %+v, want a null count only", h)
		}
	})

	for _, table := range []string{"users", "listing", "sales"} {
		t.Run("empty "+table, func(t *testing.T) {
			t.Parallel()
			meta := tableMeta(t, db, "tickit", table)
			prof, _, err := profileTable(t, db, pg, meta, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if prof.RowCount == nil || *prof.RowCount != 0 {
				t.Errorf("row count = %v, want 0", prof.RowCount)
			}
			if len(prof.Columns) != len(meta.Columns) {
				t.Errorf("%d column profiles for %d columns", len(prof.Columns), len(meta.Columns))
			}
			for name, c := range prof.Columns {
				if c.Min != nil || c.Max != nil || len(c.Samples) != 0 || c.NullCount == nil || *c.NullCount != 0 {
					t.Errorf("%s.%s = %+v, want nothing but a zero null count", table, name, c)
				}
			}
		})
	}

	t.Run("listing has no text column", func(t *testing.T) {
		t.Parallel()
		prof, _, err := profileTable(t, db, pg, tableMeta(t, db, "tickit", "listing"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if prof.Statements != 1 {
			t.Errorf("statements = %d, want 1 (no sample statement without text columns)", prof.Statements)
		}
	})

	t.Run("no sample switch", func(t *testing.T) {
		t.Parallel()
		prof, q, err := profileTable(t, db, pg, tableMeta(t, db, "tickit", "event"), Options{NoSample: map[string]bool{"eventname": true}})
		if err != nil {
			t.Fatal(err)
		}
		ev := prof.Columns["eventname"]
		if ev.Samples != nil || ev.SkipReason == "" || ev.NullCount == nil {
			t.Errorf("eventname = %+v, want a null count, no samples and a reason", ev)
		}
		for _, s := range q.statements() {
			if strings.Contains(s, "left(") {
				t.Errorf("a switched-off column was read: %s", s)
			}
		}
	})

	t.Run("postgres above the cap is block sampled", func(t *testing.T) {
		t.Parallel()
		meta := tableMeta(t, db, "tickit", "event")
		meta.RowEstimate = 8798
		prof, q, err := profileTable(t, db, pg, meta, Options{MaxRows: 6000})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(prof.SkipReason, "sampled") {
			t.Errorf("skip reason = %q, want it to say the table was sampled", prof.SkipReason)
		}
		if sent := q.statements(); len(sent) != 2 || !strings.Contains(sent[0], "TABLESAMPLE SYSTEM ($1)") {
			t.Errorf("statements = %q, want a TABLESAMPLE aggregate and a sample", sent)
		}
		if prof.RowCount == nil || *prof.RowCount != 8798 {
			t.Errorf("row count = %v, want the estimate 8798", prof.RowCount)
		}
		if len(prof.Columns["eventname"].Samples) == 0 {
			t.Error("no samples from a sampled table")
		}
	})

	t.Run("redshift above the cap keeps only samples", func(t *testing.T) {
		t.Parallel()
		meta := tableMeta(t, db, "tickit", "venue")
		meta.RowEstimate = 50_000_000
		// The Redshift sample statement (LEFT, literal LIMIT) is also valid PostgreSQL.
		prof, q, err := profileTable(t, db, lore.DialectRedshift, meta, Options{SampleRows: 20})
		if err != nil {
			t.Fatal(err)
		}
		if sent := q.statements(); len(sent) != 1 || !strings.HasSuffix(sent[0], " LIMIT 20") {
			t.Errorf("statements = %q, want only the sample statement", sent)
		}
		if prof.RowCount != nil || !strings.Contains(prof.SkipReason, "no TABLESAMPLE") {
			t.Errorf("row count %v, reason %q: want no count and the reason", prof.RowCount, prof.SkipReason)
		}
		if st := prof.Columns["venuestate"].Samples; len(st) == 0 || len(st[0]) != 2 {
			t.Errorf("venuestate samples = %q, want unpadded two-letter states", st)
		}
		if c := prof.Columns["venueseats"]; c.Min != nil || c.NullCount != nil {
			t.Errorf("venueseats = %+v, want nothing read", c)
		}
	})

	t.Run("external skipped by default", func(t *testing.T) {
		t.Parallel()
		meta := tableMeta(t, db, "tickit", "venue")
		meta.Kind = lore.KindExternal
		prof, _, err := profileTable(t, db, pg, meta, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if prof.Statements != 0 || !strings.Contains(prof.SkipReason, "external") {
			t.Errorf("statements %d, reason %q: want 0 and a reason", prof.Statements, prof.SkipReason)
		}
		prof, _, err = profileTable(t, db, pg, meta, Options{ProfileExternal: true})
		if err != nil || prof.Statements != 2 {
			t.Errorf("with ProfileExternal: %d statements, %v; want 2", prof.Statements, err)
		}
	})
}

// BenchmarkTableTICKIT profiles tickit.event and reports, beside the time, the statements sent
// per table and what a per-column profiler would send for the same information.
func BenchmarkTableTICKIT(b *testing.B) {
	db := setupTICKIT(b)
	meta := tableMeta(b, db, "tickit", "event")
	q := &pgQuerier{db: db, dialect: lore.DialectPostgres}
	var prof lore.TableProfile
	for b.Loop() {
		var err error
		if prof, err = Table(context.Background(), q, meta, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(prof.Statements), "statements/table")
	b.ReportMetric(float64(PerColumnStatements(lore.DialectPostgres, meta)), "per-column-statements/table")
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
