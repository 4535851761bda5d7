package redshiftlocal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

// TestDone checks the acceptance criteria end to end with the unmodified SDK client.
func TestDone(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t)
	ctx := context.Background()

	rows, meta := e.run(t, "select count(*) from tickit.event")
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("count result has shape %d rows", len(rows))
	}
	v, ok := rows[0][0].(*types.FieldMemberLongValue)
	if !ok || v.Value != 8798 {
		t.Fatalf("count(*) = %#v, want longValue 8798", rows[0][0])
	}
	if meta[0].TypeName == nil || *meta[0].TypeName != "int8" {
		t.Errorf("count(*) typeName = %v, want int8", aws.ToString(meta[0].TypeName))
	}

	lt, err := e.client.ListTables(ctx, &redshiftdata.ListTablesInput{Database: aws.String(e.ep.Database),
		ClusterIdentifier: aws.String(e.ep.Cluster), DbUser: aws.String(e.ep.DbUser), SchemaPattern: aws.String("tickit")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lt.Tables) != 7 {
		t.Errorf("ListTables(tickit) returned %d tables, want 7: %+v", len(lt.Tables), lt.Tables)
	}
	for _, tb := range lt.Tables {
		if aws.ToString(tb.Schema) != "tickit" || aws.ToString(tb.Type) != "TABLE" {
			t.Errorf("table %+v: want schema tickit, type TABLE", tb)
		}
	}

	dt, err := e.client.DescribeTable(ctx, &redshiftdata.DescribeTableInput{Database: aws.String(e.ep.Database),
		ClusterIdentifier: aws.String(e.ep.Cluster), DbUser: aws.String(e.ep.DbUser),
		Schema: aws.String("tickit"), Table: aws.String("venue")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"venueid": "int2", "venuename": "varchar", "venuecity": "varchar", "venuestate": "bpchar", "venueseats": "int4"}
	if len(dt.ColumnList) != 5 {
		t.Fatalf("DescribeTable(tickit.venue) returned %d columns, want 5", len(dt.ColumnList))
	}
	for _, c := range dt.ColumnList {
		if w := want[aws.ToString(c.Name)]; w != aws.ToString(c.TypeName) {
			t.Errorf("column %s has typeName %s, want %s", aws.ToString(c.Name), aws.ToString(c.TypeName), w)
		}
	}

	bad := redshiftdata.NewFromConfig(e.ep.AWSConfig(), func(o *redshiftdata.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(e.ep.AccessKeyID, "wrong-secret", "")
	})
	_, err = bad.ListStatements(ctx, &redshiftdata.ListStatementsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("a request signed with a wrong secret got %v, want InvalidSignatureException", err)
	}
}

func TestServeAndConfig(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{PostgresURL: "postgres://x@127.0.0.1/db"}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("New without keys: %v, want EINVALID", err)
	}
	if _, err := New(Config{AccessKeyID: "a", SecretAccessKey: "b"}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("New without a PostgreSQL URL: %v, want EINVALID", err)
	}
	srv, err := New(Config{PostgresURL: testpg.ServerURL(t), AccessKeyID: "a", SecretAccessKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}
