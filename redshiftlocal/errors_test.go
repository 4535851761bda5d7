package redshiftlocal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	"github.com/lorehq/lore/internal/testpg"
)

// rawCall posts body to the endpoint with target, signed by secret for service, and returns the
// status, the error type header and the request id header.
func rawCall(t *testing.T, e *env, target, body, secret, service string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.ep.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	if secret != "" {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: e.ep.AccessKeyID, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&b)
	if resp.StatusCode != http.StatusOK && (b["__type"] != resp.Header.Get("X-Amzn-ErrorType") || b["message"] == "") {
		t.Errorf("error body %v does not match header %s", b, resp.Header.Get("X-Amzn-ErrorType"))
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), resp.Header.Get("X-Amzn-RequestId")
}

func TestSignatureAndFraming(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	cases := []struct {
		name, target, secret, service string
		status                        int
		errType                       string
	}{
		{"good", "RedshiftData.ListStatements", e.ep.SecretAccessKey, "redshift-data", 200, ""},
		{"unsigned", "RedshiftData.ListStatements", "", "", 400, "MissingAuthenticationTokenException"},
		{"wrong secret", "RedshiftData.ListStatements", "nope", "redshift-data", 400, "InvalidSignatureException"},
		{"wrong service", "RedshiftData.ListStatements", e.ep.SecretAccessKey, "redshift", 400, "InvalidSignatureException"},
		{"unknown operation", "RedshiftData.DropEverything", e.ep.SecretAccessKey, "redshift-data", 400, "UnknownOperationException"},
	}
	for _, c := range cases {
		status, typ, reqID := rawCall(t, e, c.target, "{}", c.secret, c.service)
		if status != c.status || typ != c.errType || len(reqID) != 36 {
			t.Errorf("%s: status %d type %q request id %q, want %d %q and a UUID", c.name, status, typ, reqID, c.status, c.errType)
		}
	}
	other := redshiftdata.NewFromConfig(e.ep.AWSConfig(), func(o *redshiftdata.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWN", e.ep.SecretAccessKey, "")
	})
	_, err := other.ListStatements(context.Background(), &redshiftdata.ListStatementsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("unknown access key: %v, want UnrecognizedClientException", err)
	}
}

func TestStatementErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	ctx := context.Background()
	var ve *types.ValidationException
	var nf *types.ResourceNotFoundException

	_, err := e.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String("x")})
	if !errors.As(err, &ve) || !strings.HasPrefix(ve.ErrorMessage(), "id must satisfy regex pattern:") {
		t.Errorf("malformed id: %v", err)
	}
	unknown := "01234567-89ab-cdef-0123-456789abcdef"
	_, err = e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(unknown)})
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Query does not exist." || aws.ToString(nf.ResourceId) != unknown {
		t.Errorf("unknown id: %v", err)
	}
	id := e.execute(t, "create table t (a int)")
	e.wait(t, id)
	_, err = e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if !errors.As(err, &ve) || !strings.HasPrefix(ve.ErrorMessage(), "Query does not have result.") {
		t.Errorf("statement without a result set: %v", err)
	}
	d := e.wait(t, e.execute(t, "select * from no_such_table"))
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `ERROR: relation "no_such_table" does not exist` {
		t.Errorf("failing statement: %s %q", d.Status, aws.ToString(d.Error))
	}
	d = e.wait(t, e.execute(t, "select 1; select 2"))
	if d.Status != types.StatusStringFailed {
		t.Errorf("two statements in one ExecuteStatement: %s, want FAILED", d.Status)
	}
	_, err = e.client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{Sql: aws.String("reset role"),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database)})
	if !errors.As(err, &ve) {
		t.Errorf("role switch: %v, want ValidationException", err)
	}
	_, err = e.client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{Sql: aws.String(strings.Repeat(" ", 100*1024+1)),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database)})
	if !errors.As(err, &ve) {
		t.Errorf("SQL over 100 KB: %v, want ValidationException", err)
	}
}

func TestTargetErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	ctx := context.Background()
	cases := []struct {
		name string
		in   redshiftdata.ListSchemasInput
		msg  string
	}{
		{"no target", redshiftdata.ListSchemasInput{}, "Either ClusterIdentifier or WorkgroupName needs to be specified."},
		{"unknown cluster", redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String("nope")}, "Redshift endpoint doesn't exist in this region."},
		{"unknown workgroup", redshiftdata.ListSchemasInput{WorkgroupName: aws.String("nope")}, "Redshift endpoint doesn't exist in this region."},
		{"both", redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String(e.ep.Cluster), WorkgroupName: aws.String(e.ep.Workgroup)}, "Only one of"},
		{"DbUser on serverless", redshiftdata.ListSchemasInput{WorkgroupName: aws.String(e.ep.Workgroup), DbUser: aws.String("x")}, "DbUser is not supported"},
		{"MaxResults", redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String(e.ep.Cluster), MaxResults: 1001}, "less than or equal to 1000"},
		{"bad token", redshiftdata.ListSchemasInput{ClusterIdentifier: aws.String(e.ep.Cluster), NextToken: aws.String("junk")}, "NextToken"},
	}
	for _, c := range cases {
		in := c.in
		in.Database = aws.String(e.ep.Database)
		_, err := e.client.ListSchemas(ctx, &in)
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), c.msg) {
			t.Errorf("%s: %v, want ValidationException %q", c.name, err, c.msg)
		}
	}
	_, err := e.client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{Database: aws.String("no_such_db"),
		ClusterIdentifier: aws.String(e.ep.Cluster), DbUser: aws.String(e.ep.DbUser)}, func(o *redshiftdata.Options) {
		o.RetryMaxAttempts = 1
	})
	var dc *types.DatabaseConnectionException
	if !errors.As(err, &dc) || !strings.Contains(dc.ErrorMessage(), "no_such_db") {
		t.Errorf("unknown database: %v, want DatabaseConnectionException", err)
	}
}

// TestThrottling checks the optional rate limits and the active statement quota.
func TestThrottling(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t), func(c *Config) { c.Throttle = true; c.MaxActiveStatements = 1 })
	ctx := context.Background()
	noRetry := func(o *redshiftdata.Options) { o.RetryMaxAttempts = 1 }
	id := e.execute(t, "select pg_sleep(30)")
	_, err := e.client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{Sql: aws.String("select 1"),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database)}, noRetry)
	var ase *types.ActiveStatementsExceededException
	if !errors.As(err, &ase) {
		t.Errorf("second active statement: %v, want ActiveStatementsExceededException", err)
	}
	if _, err := e.client.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	// Calls come faster than 100/s here, so one of them must be throttled well before 1,000.
	throttled := false
	for i := 0; i < 1000 && !throttled; i++ {
		_, err := e.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)}, noRetry)
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" {
			throttled = true
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if !throttled {
		t.Errorf("1,000 back-to-back DescribeStatement calls were never throttled (limit 100/s)")
	}
	// The SDK's standard retryer backs off and gets through.
	time.Sleep(1100 * time.Millisecond)
	for range 25 {
		if _, err := e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)}); err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" {
				t.Fatalf("GetStatementResult still throttled after SDK retries: %v", err)
			}
		}
	}
}

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	th := newThrottle()
	now := time.Unix(1000, 0)
	for i := range 20 {
		if !th.allow("GetStatementResult", now) {
			t.Fatalf("call %d of the first second refused", i+1)
		}
	}
	if th.allow("GetStatementResult", now) {
		t.Fatal("21st GetStatementResult call in one instant allowed (limit 20/s)")
	}
	if !th.allow("GetStatementResult", now.Add(60*time.Millisecond)) {
		t.Fatal("no token refilled after 60 ms at 20/s")
	}
	if th.allow("GetStatementResult", now.Add(60*time.Millisecond)) {
		t.Fatal("more than one token refilled after 60 ms")
	}
	for range 500 {
		if !th.allow("ListTables", now) {
			t.Fatal("an operation without a documented limit was throttled")
		}
	}
}
