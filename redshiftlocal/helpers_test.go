package redshiftlocal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/lorehq/lore/internal/testpg"
)

// tickitEnv starts an endpoint over a fresh database holding TICKIT.
func tickitEnv(t *testing.T, adjust ...func(*Config)) *env {
	t.Helper()
	u := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, u)
	return setup(t, u, adjust...)
}

// env is an endpoint and an SDK client for one test.
type env struct {
	ep     *TestEndpoint
	client *redshiftdata.Client
}

func setup(t *testing.T, pgURL string, adjust ...func(*Config)) *env {
	t.Helper()
	var a func(*Config)
	if len(adjust) > 0 {
		a = adjust[0]
	}
	ep := startTest(t, pgURL, a)
	return &env{ep: ep, client: ep.Client()}
}

// execute submits sql as the URL's (superuser) role on the test cluster and returns its id.
func (e *env) execute(t *testing.T, sql string, opts ...func(*redshiftdata.ExecuteStatementInput)) string {
	t.Helper()
	in := &redshiftdata.ExecuteStatementInput{Sql: aws.String(sql), ClusterIdentifier: aws.String(e.ep.Cluster),
		Database: aws.String(e.ep.Database), DbUser: aws.String(e.ep.DbUser)}
	for _, o := range opts {
		o(in)
	}
	out, err := e.client.ExecuteStatement(context.Background(), in)
	if err != nil {
		t.Fatalf("ExecuteStatement %q: %v", sql, err)
	}
	return *out.Id
}

// wait polls DescribeStatement until id ends and returns the final description.
func (e *env) wait(t *testing.T, id string) *redshiftdata.DescribeStatementOutput {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := e.client.DescribeStatement(context.Background(), &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeStatement %s: %v", id, err)
		}
		switch d.Status {
		case types.StatusStringFinished, types.StatusStringFailed, types.StatusStringAborted:
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement %s still %s after 30 s", id, d.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run executes sql, waits for it to finish successfully and returns every page of its result.
func (e *env) run(t *testing.T, sql string, opts ...func(*redshiftdata.ExecuteStatementInput)) ([][]types.Field, []types.ColumnMetadata) {
	t.Helper()
	id := e.execute(t, sql, opts...)
	d := e.wait(t, id)
	if d.Status != types.StatusStringFinished {
		t.Fatalf("%q ended %s: %s", sql, d.Status, aws.ToString(d.Error))
	}
	var rows [][]types.Field
	var meta []types.ColumnMetadata
	p := redshiftdata.NewGetStatementResultPaginator(e.client, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetStatementResult %s: %v", id, err)
		}
		if len(page.ColumnMetadata) == 0 {
			t.Fatalf("a page of %s came without ColumnMetadata", id)
		}
		meta = page.ColumnMetadata
		rows = append(rows, page.Records...)
		if int(page.TotalNumRows) < len(rows) {
			t.Fatalf("TotalNumRows %d < rows read %d", page.TotalNumRows, len(rows))
		}
	}
	return rows, meta
}

// do runs a statement without a result set and fails the test unless it finishes.
func (e *env) do(t *testing.T, sql string) {
	t.Helper()
	if d := e.wait(t, e.execute(t, sql)); d.Status != types.StatusStringFinished {
		t.Fatalf("%q ended %s: %s", sql, d.Status, aws.ToString(d.Error))
	}
}
