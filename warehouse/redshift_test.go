package warehouse

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/redshiftlocal"
)

// rsConfig returns a connector configuration for the local endpoint e: the cluster, logging in
// as the PostgreSQL URL's user.
func rsConfig(e *redshiftlocal.TestEndpoint) Config {
	return Config{
		Settings: map[string]string{"region": e.Region, "database": e.Database, "cluster_identifier": e.Cluster,
			"db_user": e.DbUser, "endpoint_url": e.URL},
		Secrets: map[string]string{"access_key_id": e.AccessKeyID, "secret_access_key": e.SecretAccessKey},
	}
}

func openRS(t *testing.T, cfg Config) *redshiftConn {
	t.Helper()
	c, err := Open(context.Background(), TypeRedshift, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*redshiftConn)
}

func TestRedshiftValidate(t *testing.T) {
	t.Parallel()
	base := func() Config {
		return Config{
			Settings: map[string]string{"region": "us-east-1", "database": "dev", "cluster_identifier": "prod-1"},
			Secrets:  map[string]string{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x"},
		}
	}
	cases := []struct {
		name, field string
		set         map[string]string
		secrets     map[string]string
	}{
		{"bad region", "region", map[string]string{"region": "mars"}, nil},
		{"no database", "database", map[string]string{"database": ""}, nil},
		{"no target", "cluster_identifier", map[string]string{"cluster_identifier": ""}, nil},
		{"both targets", "cluster_identifier and workgroup_name", map[string]string{"workgroup_name": "wg-1"}, nil},
		{"bad cluster", "cluster_identifier", map[string]string{"cluster_identifier": "Prod_1"}, nil},
		{"db_user on serverless", "db_user", map[string]string{"cluster_identifier": "", "workgroup_name": "wg-1", "db_user": "u"}, nil},
		{"no secret", "secret_access_key", nil, map[string]string{"secret_access_key": ""}},
		{"no credentials", "access_key_id", nil, map[string]string{"access_key_id": "", "secret_access_key": ""}},
		{"bad role", "role_arn", map[string]string{"role_arn": "lore-role"}, nil},
		{"role without external id", "role_arn", map[string]string{"role_arn": "arn:aws:iam::123456789012:role/lore"}, nil},
		{"bad endpoint", "endpoint_url", map[string]string{"endpoint_url": "ftp://x"}, nil},
	}
	for _, tc := range cases {
		cfg := base()
		for k, v := range tc.set {
			cfg.Settings[k] = v
		}
		for k, v := range tc.secrets {
			cfg.Secrets[k] = v
		}
		err := Validate(TypeRedshift, cfg)
		if lore.ErrorCode(err) != lore.EINVALID || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want an EINVALID error naming %s", tc.name, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), cfg.Secrets["secret_access_key"]+" ") && cfg.Secrets["secret_access_key"] != "" {
			t.Errorf("%s: the message shows the secret", tc.name)
		}
	}
	good := base()
	good.Settings["role_arn"] = "arn:aws:iam::123456789012:role/lore-reader"
	good.ExternalID = "lore-ext-1"
	if err := Validate(TypeRedshift, good); err != nil {
		t.Errorf("valid role configuration: %v", err)
	}
}

func testRedshiftTestConnection(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	rep := openRS(t, rsConfig(e)).Test(context.Background())
	if !rep.OK || len(rep.Checks) != 6 {
		t.Fatalf("test failed: %+v", rep)
	}
	if !contains(rep.Schemas, "tickit") || !contains(rep.Schemas, "sales") {
		t.Errorf("readable schemas %v", rep.Schemas)
	}

	// Serverless runs as the IAM identity's role, which starts without grants.
	cfg := rsConfig(e)
	cfg.Settings["workgroup_name"], cfg.Settings["cluster_identifier"], cfg.Settings["db_user"] = e.Workgroup, "", ""
	rep = openRS(t, cfg).Test(context.Background())
	if ch := failedCheck(rep); ch.Name != CheckGrants || !strings.Contains(ch.Message, "GRANT USAGE") {
		t.Fatalf("IAM identity without grants: %+v", rep)
	}
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`GRANT USAGE ON SCHEMA tickit TO "IAM:lore"; GRANT SELECT ON ALL TABLES IN SCHEMA tickit TO "IAM:lore"`); err != nil {
		t.Fatal(err)
	}
	rep = openRS(t, cfg).Test(context.Background())
	if !rep.OK || strings.Join(rep.Schemas, ",") != "tickit" {
		t.Errorf("after GRANT: %+v", rep)
	}
}

// testRedshiftTestFailures checks that each bad input fails the check that names it.
func testRedshiftTestFailures(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	cases := []struct {
		name, check, text string
		set, secrets      map[string]string
	}{
		{"unreachable endpoint", CheckEndpoint, "Cannot reach", map[string]string{"endpoint_url": closed}, nil},
		{"wrong secret key", CheckCredentials, "secret access key", nil, map[string]string{"secret_access_key": "wrong-secret"}},
		{"unknown key id", CheckCredentials, "does not recognise access key id", nil, map[string]string{"access_key_id": "AKIANOSUCHKEY"}},
		{"unknown cluster", CheckTarget, "cluster nosuch-cluster was not found", map[string]string{"cluster_identifier": "nosuch-cluster"}, nil},
		{"unknown workgroup", CheckTarget, "workgroup nosuch-wg was not found", map[string]string{"cluster_identifier": "", "db_user": "", "workgroup_name": "nosuch-wg"}, nil},
		{"unknown database", CheckDatabase, "database", map[string]string{"database": "nosuchdb_lore"}, nil},
		{"unknown db user", CheckDatabase, "nosuchuser", map[string]string{"db_user": "nosuchuser"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rsConfig(e)
			for k, v := range tc.set {
				cfg.Settings[k] = v
			}
			for k, v := range tc.secrets {
				cfg.Secrets[k] = v
			}
			rep := openRS(t, cfg).Test(context.Background())
			ch := failedCheck(rep)
			if rep.OK || ch.Name != tc.check || !strings.Contains(strings.ToLower(ch.Message), strings.ToLower(tc.text)) {
				t.Fatalf("failed check %+v, want %s mentioning %q; report %+v", ch, tc.check, tc.text, rep)
			}
			if strings.Contains(ch.Message, "wrong-secret") || strings.Contains(ch.Message, e.SecretAccessKey) {
				t.Errorf("message shows a secret: %s", ch.Message)
			}
		})
	}
}

func testRedshiftQuery(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	c := openRS(t, rsConfig(e))
	ctx := context.Background()
	rs, err := c.Query(ctx, `SELECT CAST(:p1 AS numeric(30,20)) * 3 AS n, NULL::varchar AS z, count(*) AS c, true AS b
		FROM tickit.venue WHERE venuestate = :p2`, "1.10000000000000000001", "NY")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rs.Columns, ",") != "n,z,c,b" || len(rs.Rows) != 1 {
		t.Fatalf("result %+v", rs)
	}
	if r := rs.Rows[0]; *r[0] != "3.30000000000000000003" || r[1] != nil || *r[2] == "0" || *r[3] != "true" {
		t.Errorf("row %q %v %q %q", *r[0], r[1], *r[2], *r[3])
	}
	if _, err := c.Query(ctx, `DELETE FROM tickit.venue`); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("DELETE: got %v, want invalid", err)
	}
	// Paging: 8,798 events span several result pages; every row arrives once.
	rs, err = c.Query(ctx, `SELECT eventid, eventname FROM tickit.event`)
	if err != nil || len(rs.Rows) != 8798 {
		t.Fatalf("events: %d rows, %v", len(rs.Rows), err)
	}
	// A statement still running when the context ends is cancelled on Redshift.
	qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Query(qctx, `SELECT pg_sleep(20)`)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("slow query: %v after %v", err, time.Since(start))
	}
	if !waitForStatus(t, e, "ABORTED", "pg_sleep(20)") {
		t.Error("the abandoned statement was not cancelled")
	}
	// The statement timeout applies the same way.
	cfg := rsConfig(e)
	cfg.Settings["statement_timeout_seconds"] = "1"
	_, err = openRS(t, cfg).Query(ctx, `SELECT pg_sleep(15)`)
	if lore.ErrorCode(err) != lore.EUNAVAILABLE || !strings.Contains(err.Error(), "statement timeout") {
		t.Errorf("statement timeout: %v", err)
	}
}
