package profile

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/lorehq/lore"
)

// readAggregate fills the row count and per column null count, min, max and distinct estimate
// from the aggregate statement's single row, whose values come in the order aggregateSQL wrote
// them. With a block sample, counts are scaled to the catalog's row estimate.
func (p plan) readAggregate(rs *lore.ResultSet, estimate int64, prof *lore.TableProfile, cols []lore.ColumnProfile) error {
	if rs == nil || len(rs.Rows) != 1 {
		return fmt.Errorf("aggregate statement returned %d rows, want 1", rowsOf(rs))
	}
	row := rs.Rows[0]
	want := 1
	for _, c := range p.cols {
		if c.skip == "" {
			want += c.items(p.dialect)
		}
	}
	if len(row) != want {
		return fmt.Errorf("aggregate statement returned %d values, want %d", len(row), want)
	}
	rows, err := parseCount(row[0])
	if err != nil {
		return fmt.Errorf("row count: %w", err)
	}
	scale := 1.0
	if p.samplePercent > 0 {
		if rows > 0 {
			scale = float64(estimate) / float64(rows)
		}
		rows = estimate
	}
	prof.RowCount = &rows
	i := 1
	for k, c := range p.cols {
		if c.skip != "" {
			continue
		}
		nonNull, err := parseCount(row[i])
		if err != nil {
			return fmt.Errorf("column %q: %w", c.meta.Name, err)
		}
		i++
		nulls := rows - int64(math.Round(float64(nonNull)*scale))
		nulls = max(nulls, 0)
		cols[k].NullCount = &nulls
		if c.minMax() {
			cols[k].Min, cols[k].Max = row[i], row[i+1]
			i += 2
			// Numbers and dates can be personal too (card numbers, birth dates): judged by name.
			if sensitiveName(c.meta.Name) {
				cols[k].Min, cols[k].Max = maskPtr(cols[k].Min), maskPtr(cols[k].Max)
				cols[k].Masked = true
			}
		}
		if c.distinct(p.dialect) {
			if row[i] != nil {
				n, err := parseCount(row[i])
				if err != nil {
					return fmt.Errorf("column %q distinct estimate: %w", c.meta.Name, err)
				}
				cols[k].DistinctEstimate = &n
			}
			i++
		}
	}
	return nil
}

// readSamples keeps up to SamplesPerColumn distinct values per sampled column, in the order
// first seen, each cut to MaxValueLen characters. Every value read is checked by Sensitive; a
// sensitive column keeps only masked values.
func (p plan) readSamples(rs *lore.ResultSet, opts Options, cols []lore.ColumnProfile) error {
	var idx []int // result position -> plan column
	for k, c := range p.cols {
		if c.sample {
			idx = append(idx, k)
		}
	}
	if rs == nil {
		return fmt.Errorf("sample statement returned no result")
	}
	all := make([][]string, len(idx))
	for _, row := range rs.Rows {
		if len(row) != len(idx) {
			return fmt.Errorf("sample statement returned %d values per row, want %d", len(row), len(idx))
		}
		for j, v := range row {
			if v == nil {
				continue
			}
			s := *v
			if p.dialect == lore.DialectRedshift && isBlankPadded(p.cols[idx[j]].meta.Type) {
				s = strings.TrimRight(s, " ")
			}
			all[j] = append(all[j], truncate(strings.ToValidUTF8(s, "\uFFFD"), opts.MaxValueLen))
		}
	}
	for j, k := range idx {
		name := p.cols[k].meta.Name
		values := all[j]
		if Sensitive(name, values) {
			for i, v := range values {
				values[i] = Mask(v)
			}
			cols[k].Masked = true
		}
		cols[k].Samples = firstDistinct(values, opts.SamplesPerColumn)
	}
	return nil
}

// truncate cuts s to n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}

// firstDistinct returns up to k distinct values of vs in the order first seen.
func firstDistinct(vs []string, k int) []string {
	seen := make(map[string]bool, k)
	var out []string
	for _, v := range vs {
		if len(out) == k {
			break
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func maskPtr(v *string) *string {
	if v == nil {
		return nil
	}
	m := Mask(*v)
	return &m
}

func rowsOf(rs *lore.ResultSet) int {
	if rs == nil {
		return 0
	}
	return len(rs.Rows)
}

// PerColumnStatements returns how many statements a per-column profiler (the approach of most
// peers) would send for the same information about meta in dialect d, for benchmarks to print
// beside Table's at most two: one row count, then per numeric or date/time column min, max and
// null count (3), per text column null count and a distinct-values query (2), per other column
// a null count (1), and on Redshift one approximate distinct count more per numeric, date/time
// and text column.
func PerColumnStatements(d lore.Dialect, meta lore.TableMeta) int {
	n := 1
	for _, c := range meta.Columns {
		k := classify(d, c.Type)
		switch k {
		case kindNumber, kindTemporal:
			n += 3
		case kindText:
			n += 2
		default:
			n++
		}
		if d == lore.DialectRedshift && k != kindOther {
			n++
		}
	}
	return n
}
