package redshiftlocal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/lorehq/lore/internal/testpg"
)

// testRole creates a cluster-wide role for one test and drops it after the test's databases.
func testRole(t *testing.T) string {
	t.Helper()
	name := "lore_rl_" + strings.ReplaceAll(newUUID()[:8], "-", "")
	db, err := sql.Open("pgx", testpg.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP ROLE IF EXISTS ` + name)
		db.Close()
	})
	if _, err := db.Exec(`CREATE ROLE ` + name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestGrantsApplyToMappedRoles(t *testing.T) {
	t.Parallel()
	iamUser := "lore_" + newUUID()[:8]
	role := testRole(t)
	// Registered before the database so that it runs after the database (and its grants) is gone.
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", testpg.ServerURL(t)); err == nil {
			_, _ = db.Exec(`DROP ROLE IF EXISTS "IAM:` + iamUser + `"`)
			db.Close()
		}
	})
	u := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, u)
	e := setup(t, u, func(c *Config) { c.IAMUser = iamUser })
	ctx := context.Background()
	asIAM := func(in *redshiftdata.ExecuteStatementInput) { in.DbUser = nil }
	asRole := func(in *redshiftdata.ExecuteStatementInput) { in.DbUser = aws.String(role) }

	out, err := e.client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{Sql: aws.String("select count(*) from tickit.event"),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.DbUser) != "IAM:"+iamUser {
		t.Errorf("DbUser = %q, want IAM:%s", aws.ToString(out.DbUser), iamUser)
	}
	d := e.wait(t, *out.Id)
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "permission denied for schema tickit") {
		t.Fatalf("IAM role without grants: %s %q, want FAILED with permission denied", d.Status, aws.ToString(d.Error))
	}
	d = e.wait(t, e.execute(t, "select 1 from tickit.venue", asRole))
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "permission denied") {
		t.Errorf("DbUser without grants: %s %q", d.Status, aws.ToString(d.Error))
	}

	e.do(t, `grant usage on schema tickit to "IAM:`+iamUser+`", `+role)
	e.do(t, `grant select on tickit.event to "IAM:`+iamUser+`", `+role)
	rows, _ := e.run(t, "select count(*), current_user from tickit.event", asIAM)
	if rows[0][0].(*types.FieldMemberLongValue).Value != 8798 || rows[0][1].(*types.FieldMemberStringValue).Value != "IAM:"+iamUser {
		t.Errorf("after GRANT as IAM role: %+v", rows[0])
	}
	rows, _ = e.run(t, "select table_name from svv_all_tables where schema_name = 'tickit'", asRole)
	if len(rows) != 1 || rows[0][0].(*types.FieldMemberStringValue).Value != "event" {
		t.Errorf("svv_all_tables as a role granted one table shows %d rows", len(rows))
	}
	d = e.wait(t, e.execute(t, "select * from svv_table_info", asRole))
	if d.Status != types.StatusStringFailed {
		t.Errorf("svv_table_info as a plain role: %s, want FAILED (superuser only)", d.Status)
	}
	d = e.wait(t, e.execute(t, "select 1", func(in *redshiftdata.ExecuteStatementInput) { in.DbUser = aws.String("nobody_at_all") }))
	if d.Status != types.StatusStringFailed || aws.ToString(d.Error) != `FATAL: user "nobody_at_all" does not exist` {
		t.Errorf("unknown DbUser: %s %q", d.Status, aws.ToString(d.Error))
	}

	ws, err := e.client.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{Sql: aws.String("select current_user"),
		WorkgroupName: aws.String(e.ep.Workgroup), Database: aws.String(e.ep.Database)})
	if err != nil {
		t.Fatal(err)
	}
	if ws.ClusterIdentifier != nil || aws.ToString(ws.WorkgroupName) != e.ep.Workgroup || aws.ToString(ws.DbUser) != "IAM:"+iamUser {
		t.Errorf("serverless ExecuteStatement response: %+v", ws)
	}
	e.wait(t, *ws.Id)
	res, err := e.client.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: ws.Id})
	if err != nil || res.Records[0][0].(*types.FieldMemberStringValue).Value != "IAM:"+iamUser {
		t.Errorf("serverless session user: %v %v", res, err)
	}
}

func TestSecretArn(t *testing.T) {
	t.Parallel()
	role := testRole(t)
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:lore-dev-AbCdEf"
	e := setup(t, testpg.NewDatabase(t), func(c *Config) {
		c.Clusters = append(c.Clusters, "other")
		c.Secrets = map[string]Secret{arn: {Username: role, ClusterIdentifier: "lore-local"}}
	})
	for _, ref := range []string{arn, "lore-dev-AbCdEf"} {
		rows, _ := e.run(t, "select current_user", func(in *redshiftdata.ExecuteStatementInput) {
			in.DbUser, in.SecretArn = nil, aws.String(ref)
		})
		if got := rows[0][0].(*types.FieldMemberStringValue).Value; got != role {
			t.Errorf("secret %s logs in as %s, want %s", ref, got, role)
		}
	}
	_, err := e.client.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{Sql: aws.String("select 1"),
		ClusterIdentifier: aws.String("other"), Database: aws.String(e.ep.Database), SecretArn: aws.String(arn)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("secret of another cluster: %v, want ValidationException", err)
	}
	_, err = e.client.ExecuteStatement(context.Background(), &redshiftdata.ExecuteStatementInput{Sql: aws.String("select 1"),
		ClusterIdentifier: aws.String(e.ep.Cluster), Database: aws.String(e.ep.Database), SecretArn: aws.String("missing")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown secret: %v, want ResourceNotFoundException", err)
	}
}
