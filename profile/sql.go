package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

// maxSelectItems keeps a statement under PostgreSQL's 1,664-entry target list limit (Redshift
// tables have at most 1,600 columns). Columns that do not fit are skipped with a reason rather
// than splitting the work into more statements.
const maxSelectItems = 1600

// column is the plan for one column.
type column struct {
	meta   lore.ColumnMeta
	kind   kind
	quoted string
	skip   string // non-empty: nothing is collected, and this is why
	sample bool   // read by the sample statement
	// noValues: the user switched values off (Options.NoSample); counts are still read.
	noValues bool
}

// minMax reports whether the aggregate statement reads min and max of c.
func (c column) minMax() bool {
	return !c.noValues && (c.kind == kindNumber || c.kind == kindTemporal)
}

// distinct reports whether the aggregate statement estimates c's distinct values. Only Redshift
// has a cheap estimate (APPROXIMATE COUNT(DISTINCT), HyperLogLog). PostgreSQL has none: an exact
// count(DISTINCT) sorts or hashes every value of every column, far more than the rest of the
// statement costs, so on PostgreSQL the estimate stays nil (pg_stats.n_distinct is the catalog
// step's business, not a third statement here).
func (c column) distinct(d lore.Dialect) bool {
	return d == lore.DialectRedshift && c.kind != kindOther
}

// items returns how many select-list entries c adds to the aggregate statement.
func (c column) items(d lore.Dialect) int {
	n := 1 // count(c)
	if c.minMax() {
		n += 2
	}
	if c.distinct(d) {
		n++
	}
	return n
}

// plan is everything needed to write a table's two statements.
type plan struct {
	dialect lore.Dialect
	table   string // quoted "schema"."table"
	cols    []column
	// samplePercent > 0 makes the PostgreSQL aggregate read a TABLESAMPLE SYSTEM block sample.
	samplePercent float64
	// skipAggregate non-empty: no aggregate statement, for this reason.
	skipAggregate string
}

// newPlan classifies meta's columns and quotes every identifier. A table or schema name that
// cannot be quoted is an EINVALID error; a column that cannot be quoted is skipped with a reason.
func newPlan(d lore.Dialect, meta lore.TableMeta, opts Options) (plan, error) {
	table, err := quoteTable(meta.Ref)
	if err != nil {
		return plan{}, err
	}
	p := plan{dialect: d, table: table}
	items := 1 // count(*)
	for _, m := range meta.Columns {
		c := column{meta: m, kind: classify(d, m.Type), noValues: opts.NoSample[m.Name]}
		q, err := QuoteIdent(m.Name)
		switch {
		case err != nil:
			c.skip = "the column name cannot be quoted safely: " + lore.ErrorMessage(err)
		case items+c.items(d) > maxSelectItems:
			c.skip = fmt.Sprintf("the table has too many columns to profile in one statement; only the first %d select items are read", maxSelectItems)
		default:
			c.quoted = q
			items += c.items(d)
			c.sample = c.kind == kindText && !c.noValues
		}
		p.cols = append(p.cols, c)
	}
	return p, nil
}

// aggregateSQL returns the statement that reads, in one pass, the row count and per column the
// non-null count, min and max (as text, so numbers and dates keep their exact form) and the
// distinct estimate where the dialect has one. Results come back in column order.
func (p plan) aggregateSQL() (string, []any) {
	var items []string
	var args []any
	if p.dialect == lore.DialectRedshift {
		items = append(items, "COUNT(*)")
		for _, c := range p.cols {
			if c.skip != "" {
				continue
			}
			items = append(items, "COUNT("+c.quoted+")")
			if c.minMax() {
				items = append(items, "CAST(MIN("+c.quoted+") AS VARCHAR)", "CAST(MAX("+c.quoted+") AS VARCHAR)")
			}
			if c.distinct(p.dialect) {
				items = append(items, "APPROXIMATE COUNT(DISTINCT "+c.quoted+")")
			}
		}
		return "SELECT " + strings.Join(items, ", ") + " FROM " + p.table, nil
	}
	items = append(items, "count(*)")
	for _, c := range p.cols {
		if c.skip != "" {
			continue
		}
		items = append(items, "count("+c.quoted+")")
		if c.minMax() {
			items = append(items, "min("+c.quoted+")::text", "max("+c.quoted+")::text")
		}
	}
	from := p.table
	if p.samplePercent > 0 {
		from += " TABLESAMPLE SYSTEM ($1)"
		args = append(args, p.samplePercent)
	}
	return "SELECT " + strings.Join(items, ", ") + " FROM " + from, args
}

// sampleSQL returns the statement that reads the first rows of the sampled text columns, each
// value cut to maxLen+1 characters in the warehouse (one more than kept, so Go can tell a value
// was cut), or "" when no column is sampled. The first rows are cheap to read on both
// dialects (the scan stops at the limit); they are not a random sample.
//
// PostgreSQL gets the limit and length as parameters. The Redshift Data API allows parameters
// only as values in WHERE/HAVING/INSERT, not in LIMIT or function arguments, so there both are
// written as integer literals formatted from the validated Options, never from data.
func (p plan) sampleSQL(rows, maxLen int) (string, []any) {
	var items []string
	for _, c := range p.cols {
		if !c.sample {
			continue
		}
		if p.dialect == lore.DialectRedshift {
			items = append(items, "LEFT("+c.quoted+", "+strconv.Itoa(maxLen+1)+")")
		} else {
			items = append(items, "left("+c.quoted+"::text, $2)")
		}
	}
	if len(items) == 0 {
		return "", nil
	}
	if p.dialect == lore.DialectRedshift {
		return "SELECT " + strings.Join(items, ", ") + " FROM " + p.table + " LIMIT " + strconv.Itoa(rows), nil
	}
	return "SELECT " + strings.Join(items, ", ") + " FROM " + p.table + " LIMIT $1", []any{rows, maxLen + 1}
}
