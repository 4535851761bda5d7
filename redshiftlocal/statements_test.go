package redshiftlocal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/lorehq/lore/internal/testpg"
)

func TestSlowStatementIsStartedAndCancelAbortsIt(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	ctx := context.Background()
	id := e.execute(t, "select pg_sleep(60)")
	deadline := time.Now().Add(10 * time.Second)
	var d *redshiftdata.DescribeStatementOutput
	for {
		var err error
		d, err = e.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.StatusStringStarted || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d.Status != types.StatusStringStarted {
		t.Fatalf("slow statement is %s, want STARTED", d.Status)
	}
	if d.Duration != -1 || d.ResultRows != -1 || d.ResultSize != -1 || d.RedshiftPid == 0 {
		t.Errorf("running statement: Duration %d ResultRows %d ResultSize %d RedshiftPid %d; want -1 -1 -1 and a pid",
			d.Duration, d.ResultRows, d.ResultSize, d.RedshiftPid)
	}
	start := time.Now()
	c, err := e.client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
	if err != nil || !aws.ToBool(c.Status) {
		t.Fatalf("CancelStatement = %v, %v; want Status true", c, err)
	}
	d = e.wait(t, id)
	if d.Status != types.StatusStringAborted {
		t.Fatalf("cancelled statement is %s (%s), want ABORTED", d.Status, aws.ToString(d.Error))
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("cancelling took %v; PostgreSQL kept running the statement", time.Since(start))
	}
	_, err = e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("GetStatementResult of an aborted statement: %v, want ValidationException", err)
	}
}

func TestCancelFinishedStatement(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	id := e.execute(t, "select 1")
	e.wait(t, id)
	_, err := e.client.CancelStatement(context.Background(), &redshiftdata.CancelStatementInput{Id: aws.String(id)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "Could not cancel a query that is already in FINISHED state") {
		t.Fatalf("cancelling a finished statement: %v; want ValidationException about FINISHED state", err)
	}
}

func TestDurationIsNanoseconds(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	d := e.wait(t, e.execute(t, "select pg_sleep(0.3)"))
	if d.Duration < int64(300*time.Millisecond) || d.Duration > int64(20*time.Second) {
		t.Fatalf("Duration = %d, want nanoseconds of a 0.3 s statement", d.Duration)
	}
	if !aws.ToBool(d.HasResultSet) || d.ResultRows != 1 || d.UpdatedAt.Before(*d.CreatedAt) {
		t.Errorf("HasResultSet %v ResultRows %d CreatedAt %v UpdatedAt %v", aws.ToBool(d.HasResultSet), d.ResultRows, d.CreatedAt, d.UpdatedAt)
	}
}

func TestClientTokenIsIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	tok := func(s string) func(*redshiftdata.ExecuteStatementInput) {
		return func(in *redshiftdata.ExecuteStatementInput) { in.ClientToken = aws.String(s) }
	}
	a := e.execute(t, "select 1", tok("token-a"))
	b := e.execute(t, "select 1", tok("token-a"))
	c := e.execute(t, "select 1", tok("token-c"))
	if a != b || a == c {
		t.Fatalf("ids %s %s %s: same token must give the same id, another token another", a, b, c)
	}
}

func TestParametersAreBoundAsValues(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t)
	params := func(kv ...string) func(*redshiftdata.ExecuteStatementInput) {
		return func(in *redshiftdata.ExecuteStatementInput) {
			for i := 0; i < len(kv); i += 2 {
				in.Parameters = append(in.Parameters, types.SqlParameter{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
			}
		}
	}
	rows, _ := e.run(t, `select eventname, ':id' as lit, :id::int + 1 as next -- :id in a comment
		from tickit.event where eventid = :id`, params("id", "1000"))
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	if lit := rows[0][1].(*types.FieldMemberStringValue).Value; lit != ":id" {
		t.Errorf("string literal became %q", lit)
	}
	if next := rows[0][2].(*types.FieldMemberLongValue).Value; next != 1001 {
		t.Errorf(":id::int + 1 = %d, want 1001", next)
	}
	// A value is never SQL: an injection attempt is just an unmatched string.
	rows, _ = e.run(t, `select count(*) from tickit.venue where venuename = :n`, params("n", "x' or '1'='1"))
	if n := rows[0][0].(*types.FieldMemberLongValue).Value; n != 0 {
		t.Errorf("injection matched %d rows", n)
	}
	d := e.wait(t, e.execute(t, "select :missing", params()))
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "syntax error") {
		t.Errorf("unsupplied parameter: %s %q, want FAILED with a syntax error", d.Status, aws.ToString(d.Error))
	}
	_, err := e.client.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{
		Sql: aws.String("select 1"), ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database),
		Parameters: []types.SqlParameter{{Name: aws.String("unused"), Value: aws.String("1")}}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("unused parameter: %v, want ValidationException", err)
	}
}

func TestBatchRunsInOneTransaction(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	ctx := context.Background()
	batch := func(sqls ...string) string {
		out, err := e.client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{Sqls: sqls,
			ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database), DbUser: aws.String(e.ep.DbUser)})
		if err != nil {
			t.Fatalf("BatchExecuteStatement: %v", err)
		}
		return *out.Id
	}
	id := batch("create table t (a int)", "insert into t values (1), (2)", "select a from t order by a")
	d := e.wait(t, id)
	if d.Status != types.StatusStringFinished || len(d.SubStatements) != 3 || !aws.ToBool(d.HasResultSet) {
		t.Fatalf("batch: %s, %d sub-statements, HasResultSet %v", d.Status, len(d.SubStatements), aws.ToBool(d.HasResultSet))
	}
	for i, sub := range d.SubStatements {
		if want := fmt.Sprintf("%s:%d", id, i+1); aws.ToString(sub.Id) != want || sub.Status != types.StatementStatusStringFinished {
			t.Errorf("sub-statement %d: id %s status %s, want %s FINISHED", i, aws.ToString(sub.Id), sub.Status, want)
		}
	}
	if d.SubStatements[1].ResultRows != 2 {
		t.Errorf("insert ResultRows = %d, want 2", d.SubStatements[1].ResultRows)
	}
	res, err := e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id + ":3")})
	if err != nil || len(res.Records) != 2 {
		t.Fatalf("result of %s:3: %v, %v", id, res, err)
	}
	sub, err := e.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id + ":2")})
	if err != nil || aws.ToString(sub.QueryString) != "insert into t values (1), (2)" {
		t.Fatalf("DescribeStatement of a sub-statement: %v, %v", sub, err)
	}

	id = batch("insert into t values (3)", "select 1/0", "insert into t values (4)")
	d = e.wait(t, id)
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "division by zero") {
		t.Fatalf("failing batch: %s %q", d.Status, aws.ToString(d.Error))
	}
	if d.SubStatements[1].Status != types.StatementStatusStringFailed || d.SubStatements[2].Status != types.StatementStatusStringAborted {
		t.Errorf("sub-statement statuses %s %s, want FAILED ABORTED", d.SubStatements[1].Status, d.SubStatements[2].Status)
	}
	rows, _ := e.run(t, "select count(*) from t")
	if n := rows[0][0].(*types.FieldMemberLongValue).Value; n != 2 {
		t.Errorf("after a failed batch t has %d rows, want 2 (rolled back)", n)
	}

	_, err = e.client.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{Sqls: make([]string, 41),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("a batch of 41 statements: %v, want ValidationException", err)
	}
}

func TestListStatementsPaginates(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	var ids []string
	for i := range 5 {
		ids = append(ids, e.execute(t, fmt.Sprintf("select %d", i), func(in *redshiftdata.ExecuteStatementInput) {
			in.StatementName = aws.String(fmt.Sprintf("lore-%d", i))
		}))
	}
	for _, id := range ids {
		e.wait(t, id)
	}
	e.execute(t, "select 'other'", func(in *redshiftdata.ExecuteStatementInput) { in.StatementName = aws.String("other") })
	p := redshiftdata.NewListStatementsPaginator(e.client, &redshiftdata.ListStatementsInput{
		StatementName: aws.String("lore-"), MaxResults: 2, Status: types.StatusStringAll})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.Statements {
			got = append(got, aws.ToString(s.Id))
		}
	}
	if len(got) != 5 || pages != 3 || got[0] != ids[4] {
		t.Fatalf("ListStatements gave %d statements in %d pages (first %s), want 5 in 3, newest first", len(got), pages, got[0])
	}
	_, err := e.client.ListStatements(context.Background(), &redshiftdata.ListStatementsInput{MaxResults: 101})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("MaxResults 101: %v, want ValidationException", err)
	}
}
