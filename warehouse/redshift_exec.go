package warehouse

import (
	"context"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/lorehq/lore"
)

// Backoff settings. The Data API allows about 30 ExecuteStatement, 100 DescribeStatement and
// 20 GetStatementResult calls per second per account, so polling starts fast (most catalog
// statements finish in well under a second) and slows down geometrically.
const (
	pollFirst      = 40 * time.Millisecond
	pollMax        = 2 * time.Second
	pollThrottled  = 500 * time.Millisecond
	submitAttempts = 8
	submitBase     = 250 * time.Millisecond
	submitMax      = 10 * time.Second
	cancelTimeout  = 10 * time.Second
)

// jitter returns d scaled by a random factor in [0.75, 1.25).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// statement is a submitted statement.
type statement struct {
	id  string
	sql string
}

// run executes sql in database db, waits for it and hands each page of its result to fn (the
// column names and the rows, every value as text). It cancels the statement when ctx ends or
// the statement timeout passes.
func (c *redshiftConn) run(ctx context.Context, db, sql string, params []types.SqlParameter, fn func([]string, [][]*string) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.s.timeout)
	defer cancel()
	st, err := c.submit(ctx, db, sql, params)
	if err != nil {
		return err
	}
	desc, err := c.wait(ctx, st)
	if err != nil {
		return err
	}
	if fn == nil || !aws.ToBool(desc.HasResultSet) {
		return nil
	}
	return c.results(ctx, st, fn)
}

// submit calls ExecuteStatement, retrying with backoff and jitter while the Data API is
// throttling or the cluster has too many active statements.
func (c *redshiftConn) submit(ctx context.Context, db, sql string, params []types.SqlParameter) (statement, error) {
	if db == "" {
		db = c.s.database
	}
	in := &redshiftdata.ExecuteStatementInput{Sql: aws.String(sql), Database: aws.String(db), Parameters: params}
	if c.s.cluster != "" {
		in.ClusterIdentifier = aws.String(c.s.cluster)
		if c.s.dbUser != "" {
			in.DbUser = aws.String(c.s.dbUser)
		}
	} else {
		in.WorkgroupName = aws.String(c.s.workgroup)
	}
	backoff := submitBase
	for attempt := 1; ; attempt++ {
		c.statements.Add(1)
		out, err := c.client.ExecuteStatement(ctx, in)
		if err == nil {
			return statement{id: aws.ToString(out.Id), sql: sql}, nil
		}
		if attempt >= submitAttempts || !retryableSubmit(err) {
			return statement{}, c.apiError(ctx, err, "run a statement")
		}
		c.statements.Add(-1)
		if err := sleep(ctx, jitter(backoff)); err != nil {
			return statement{}, c.apiError(ctx, err, "run a statement")
		}
		backoff = min(backoff*2, submitMax)
	}
}

// retryableSubmit reports errors after which the same ExecuteStatement may succeed later.
func retryableSubmit(err error) bool {
	var ase *types.ActiveStatementsExceededException
	var ass *types.ActiveSessionsExceededException
	return errors.As(err, &ase) || errors.As(err, &ass) || isThrottle(err)
}

// wait polls DescribeStatement with a growing, jittered interval until the statement ends.
// Throttling slows the polling down rather than failing; when ctx ends the statement is
// cancelled.
func (c *redshiftConn) wait(ctx context.Context, st statement) (*redshiftdata.DescribeStatementOutput, error) {
	interval := pollFirst
	transient := 0
	for {
		if err := sleep(ctx, jitter(interval)); err != nil {
			c.cancel(st)
			return nil, c.apiError(ctx, err, "wait for a statement")
		}
		out, err := c.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(st.id)})
		switch {
		case err != nil && ctx.Err() != nil:
			c.cancel(st)
			return nil, c.apiError(ctx, ctx.Err(), "wait for a statement")
		case err != nil && (isThrottle(err) || isServerFault(err)) && transient < 5:
			transient++
			interval = min(max(interval*2, pollThrottled), pollMax*5)
			continue
		case err != nil:
			c.cancel(st)
			return nil, c.apiError(ctx, err, "wait for a statement")
		}
		transient = 0
		switch out.Status {
		case types.StatusStringFinished:
			return out, nil
		case types.StatusStringFailed:
			return nil, c.statementError(aws.ToString(out.Error))
		case types.StatusStringAborted:
			return nil, lore.Errorf(lore.EUNAVAILABLE, "The statement was cancelled on Redshift before it finished. Run it again.")
		}
		interval = min(interval*3/2, pollMax)
	}
}

// cancel asks Redshift to stop a statement whose caller gave up. It uses its own short
// deadline because the caller's context has already ended; failures are ignored (the
// statement may have finished meanwhile).
func (c *redshiftConn) cancel(st statement) {
	ctx, done := context.WithTimeout(context.Background(), cancelTimeout)
	defer done()
	_, _ = c.client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(st.id)})
}

// results reads every page of a finished statement's result, converting values to text.
func (c *redshiftConn) results(ctx context.Context, st statement, fn func([]string, [][]*string) error) error {
	var token *string
	seen := map[string]bool{}
	var got, total int64
	for {
		var out *redshiftdata.GetStatementResultOutput
		var err error
		for attempt := 1; ; attempt++ {
			out, err = c.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(st.id), NextToken: token})
			if err == nil || attempt >= submitAttempts || !(isThrottle(err) || isServerFault(err)) {
				break
			}
			if err := sleep(ctx, jitter(submitBase<<attempt)); err != nil {
				break
			}
		}
		if err != nil {
			return c.apiError(ctx, err, "read a statement's result")
		}
		cols := make([]string, len(out.ColumnMetadata))
		for i, m := range out.ColumnMetadata {
			cols[i] = aws.ToString(m.Label)
			if cols[i] == "" {
				cols[i] = aws.ToString(m.Name)
			}
		}
		rows := make([][]*string, len(out.Records))
		for i, rec := range out.Records {
			row := make([]*string, len(rec))
			for j, f := range rec {
				row[j] = fieldText(f)
			}
			rows[i] = row
		}
		got += int64(len(rows))
		total = out.TotalNumRows
		if err := fn(cols, rows); err != nil {
			return err
		}
		next := aws.ToString(out.NextToken)
		if next == "" {
			break
		}
		if seen[next] {
			return lore.Errorf(lore.EUNAVAILABLE, "The Data API returned the same result page token twice; the result is incomplete. Try again.")
		}
		seen[next] = true
		token = out.NextToken
	}
	if total > 0 && got != total {
		return lore.Errorf(lore.EUNAVAILABLE, "The Data API returned %d of %d result rows; the result is incomplete. Try again.", got, total)
	}
	return nil
}

// fieldText converts one Data API value to text; nil is SQL NULL. DECIMAL arrives as a string
// and stays exact; binary values are base64.
func fieldText(f types.Field) *string {
	var s string
	switch v := f.(type) {
	case *types.FieldMemberIsNull:
		return nil
	case *types.FieldMemberStringValue:
		s = v.Value
	case *types.FieldMemberLongValue:
		s = strconv.FormatInt(v.Value, 10)
	case *types.FieldMemberDoubleValue:
		s = strconv.FormatFloat(v.Value, 'g', -1, 64)
	case *types.FieldMemberBooleanValue:
		s = strconv.FormatBool(v.Value)
	case *types.FieldMemberBlobValue:
		s = base64.StdEncoding.EncodeToString(v.Value)
	default:
		return nil
	}
	return &s
}

// sqlParams turns Query arguments into Data API parameters p1, p2….
func sqlParams(args []any) ([]types.SqlParameter, error) {
	var out []types.SqlParameter
	for i, a := range args {
		if a == nil {
			return nil, lore.Errorf(lore.EINVALID, "Parameter %d is NULL; the Redshift Data API cannot bind NULL, write NULL in the SQL instead.", i+1)
		}
		v, err := paramText(a)
		if err != nil {
			return nil, err
		}
		if v == "" {
			return nil, lore.Errorf(lore.EINVALID, "Parameter %d is empty; the Redshift Data API cannot bind an empty string.", i+1)
		}
		out = append(out, types.SqlParameter{Name: aws.String("p" + strconv.Itoa(i+1)), Value: aws.String(v)})
	}
	return out, nil
}
