// Package profile is Lore's Profiler: for one table it reads the row count, per column null
// counts, min and max of numeric and date/time columns, distinct estimates where the warehouse
// has a cheap one, and a few sample values of text columns — in at most two statements per
// table, whatever the number of columns. Identifiers are quoted, values travel as parameters,
// and samples of columns that look sensitive are masked before they leave this package.
package profile

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lorehq/lore"
)

// Options tune one table's profile. The zero value means the defaults.
type Options struct {
	// SampleRows is how many rows the sample statement reads (default 1,000).
	SampleRows int
	// SamplesPerColumn is how many distinct values are kept per text column (default 10).
	SamplesPerColumn int
	// MaxValueLen is the longest sample value kept, in characters; longer ones are cut and end
	// in "…" (default 200).
	MaxValueLen int
	// MaxRows caps the catalog's row estimate above which a table is not read whole (default
	// 10,000,000; negative means no cap). PostgreSQL then aggregates over a TABLESAMPLE SYSTEM
	// block sample of about MaxRows rows; Redshift, which has no TABLESAMPLE, skips the aggregate
	// statement and keeps only the (LIMIT-bounded) sample statement. The reason is recorded.
	MaxRows int64
	// ProfileExternal profiles external (Spectrum) tables too; by default they are skipped
	// because every scan of them is billed by the bytes read from S3.
	ProfileExternal bool
	// Timeout bounds each statement (default 2 minutes; negative means none).
	Timeout time.Duration
	// NoSample names columns whose values are never read: no samples of text columns and no
	// min or max of numeric and date/time columns. Null counts (and distinct estimates) still are.
	NoSample map[string]bool
}

// Defaults used for zero Options fields.
const (
	DefaultSampleRows       = 1000
	DefaultSamplesPerColumn = 10
	DefaultMaxValueLen      = 200
	DefaultMaxRows          = 10_000_000
	DefaultTimeout          = 2 * time.Minute
)

// withDefaults fills zero fields and rejects negative sizes.
func (o Options) withDefaults() (Options, error) {
	if o.SampleRows < 0 || o.SamplesPerColumn < 0 || o.MaxValueLen < 0 {
		return o, lore.Errorf(lore.EINVALID, "profile options: sample rows, samples per column and value length must not be negative")
	}
	if o.SampleRows == 0 {
		o.SampleRows = DefaultSampleRows
	}
	if o.SamplesPerColumn == 0 {
		o.SamplesPerColumn = DefaultSamplesPerColumn
	}
	if o.MaxValueLen == 0 {
		o.MaxValueLen = DefaultMaxValueLen
	}
	if o.MaxRows == 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o, nil
}

// Table profiles the table meta describes through q, sending at most two statements: one
// aggregate over all columns and one sample of the text columns. Skipped tables (external, or
// above MaxRows on Redshift) and skipped columns carry a SkipReason. Errors carry codes:
// EINVALID for a table name that cannot be quoted or a dialect Lore does not speak, ENOTFOUND
// when the table or a column is gone since the catalog was read, EFORBIDDEN when the warehouse
// refuses SELECT, EUNAVAILABLE when a statement exceeds the timeout; others are wrapped as they
// come from q.
func Table(ctx context.Context, q lore.Querier, meta lore.TableMeta, opts Options) (lore.TableProfile, error) {
	now := time.Now().UTC()
	prof := lore.TableProfile{Columns: make(map[string]lore.ColumnProfile, len(meta.Columns)), ProfiledAt: now}
	opts, err := opts.withDefaults()
	if err != nil {
		return prof, err
	}
	if meta.Kind == lore.KindExternal && !opts.ProfileExternal {
		prof.SkipReason = "external table: every scan is billed by the bytes read from S3, so it is not profiled unless external tables are switched on"
		return prof, nil
	}
	d := q.Dialect()
	if d != lore.DialectPostgres && d != lore.DialectRedshift {
		return prof, lore.Errorf(lore.EINVALID, "the profiler does not speak the %q dialect; use a PostgreSQL or Redshift connection", d)
	}
	p, err := newPlan(d, meta, opts)
	if err != nil {
		return prof, fmt.Errorf("profile table %s: %w", meta.Ref, err)
	}
	if opts.MaxRows > 0 && meta.RowEstimate > opts.MaxRows {
		if d == lore.DialectPostgres {
			p.samplePercent = math.Max(0.0001, 100*float64(opts.MaxRows)/float64(meta.RowEstimate))
			prof.SkipReason = fmt.Sprintf("sampled: about %d rows (catalog estimate) is above the cap of %d, so min, max and null counts come from a %.4g%% block sample (TABLESAMPLE SYSTEM) and the row count is the estimate; raise the cap to read the whole table", meta.RowEstimate, opts.MaxRows, p.samplePercent)
		} else {
			p.skipAggregate = "too large"
			prof.SkipReason = fmt.Sprintf("partly skipped: about %d rows (catalog estimate) is above the cap of %d and Redshift has no TABLESAMPLE, so row count, min, max, null and distinct counts were not read (only sample values were); raise the cap to read the whole table", meta.RowEstimate, opts.MaxRows)
		}
	}

	cols := make([]lore.ColumnProfile, len(p.cols))
	for i, c := range p.cols {
		cols[i] = lore.ColumnProfile{ProfiledAt: now, SkipReason: c.skip}
		if c.skip == "" && c.noValues && c.kind != kindOther {
			cols[i].SkipReason = "values are switched off for this column: only counts are read"
		}
	}
	if p.skipAggregate == "" {
		sql, args := p.aggregateSQL()
		prof.Statements++
		rs, err := run(ctx, q, opts.Timeout, sql, args)
		if err != nil {
			return prof, statementError(ctx, meta.Ref, opts.Timeout, err)
		}
		if err := p.readAggregate(rs, meta.RowEstimate, &prof, cols); err != nil {
			return prof, fmt.Errorf("profile table %s: %w", meta.Ref, err)
		}
	}
	// An empty table (counted exactly, not from a block sample) has nothing to sample: the
	// second statement is not sent.
	empty := prof.RowCount != nil && *prof.RowCount == 0 && prof.SkipReason == ""
	if sql, args := p.sampleSQL(opts.SampleRows, opts.MaxValueLen); sql != "" && !empty {
		prof.Statements++
		rs, err := run(ctx, q, opts.Timeout, sql, args)
		if err != nil {
			return prof, statementError(ctx, meta.Ref, opts.Timeout, err)
		}
		if err := p.readSamples(rs, opts, cols); err != nil {
			return prof, fmt.Errorf("profile table %s: %w", meta.Ref, err)
		}
	}
	for i, c := range p.cols {
		prof.Columns[c.meta.Name] = cols[i]
	}
	return prof, nil
}

// run sends one statement with its own deadline.
func run(ctx context.Context, q lore.Querier, timeout time.Duration, sql string, args []any) (*lore.ResultSet, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return q.Query(ctx, sql, args...)
}

// PostgreSQL error codes (SQLSTATE) the profiler turns into user-facing errors. Redshift
// reports the same codes; the Data API connector is expected to map them to lore errors.
const (
	sqlUndefinedTable  = "42P01"
	sqlUndefinedColumn = "42703"
	sqlUndefinedSchema = "3F000"
	sqlNoPrivilege     = "42501"
	sqlQueryCanceled   = "57014"
)

// statementError gives err a code and a message saying what to do next. The driver's text stays
// in the chain for the log.
func statementError(ctx context.Context, ref lore.TableRef, timeout time.Duration, err error) error {
	var state interface{ SQLState() string }
	code := ""
	if errors.As(err, &state) {
		code = state.SQLState()
	}
	var lerr *lore.Error
	switch {
	case ctx.Err() != nil:
		// The caller cancelled (job stopped or its own deadline): not the statement's fault.
		return fmt.Errorf("profile table %s: %w", ref, err)
	case errors.Is(err, context.DeadlineExceeded) || code == sqlQueryCanceled:
		lerr = lore.Errorf(lore.EUNAVAILABLE, "profiling %s took longer than the statement timeout (%s) and was cancelled; raise the timeout or lower the row cap so the table is sampled", ref, timeout)
	case code == sqlUndefinedTable || code == sqlUndefinedSchema:
		lerr = lore.Errorf(lore.ENOTFOUND, "table %s no longer exists in the warehouse; refresh the catalog to drop it from the selection", ref)
	case code == sqlUndefinedColumn:
		lerr = lore.Errorf(lore.ENOTFOUND, "the columns of %s changed since the catalog was read; refresh the catalog and profile it again", ref)
	case code == sqlNoPrivilege:
		lerr = lore.Errorf(lore.EFORBIDDEN, "the warehouse refused SELECT on %s; grant SELECT on it to the user Lore connects as, or leave it out of the selection", ref)
	default:
		return fmt.Errorf("profile table %s: %w", ref, err)
	}
	return fmt.Errorf("profile table %s: %w (%w)", ref, lerr, err)
}

// parseCount reads a count that the warehouse returned as text.
func parseCount(v *string) (int64, error) {
	if v == nil {
		return 0, errors.New("count is NULL")
	}
	n, err := strconv.ParseInt(*v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("count %q is not an integer", *v)
	}
	return n, nil
}
