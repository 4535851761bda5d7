package redshiftlocal

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/jackc/pgx/v5"
)

// TestEndpoint is a local Data API endpoint started for a test, with everything a client needs
// to reach it.
type TestEndpoint struct {
	URL             string // base endpoint, e.g. http://127.0.0.1:41234
	AccessKeyID     string
	SecretAccessKey string
	Region          string // any region works; this one is set for clarity
	Cluster         string // a provisioned cluster identifier that exists
	Workgroup       string // a serverless workgroup name that exists
	Database        string // the database of the PostgreSQL URL
	DbUser          string // the user of the PostgreSQL URL (a superuser on test servers)
	Server          *Server
}

// StartForTest starts an endpoint on 127.0.0.1:0 over the PostgreSQL server of pgURL and stops
// it when the test ends. Use DbUser with Cluster to run as the URL's user; without DbUser,
// statements run as the role "IAM:lore", which sees only what is granted to it.
func StartForTest(t testing.TB, pgURL string) *TestEndpoint {
	t.Helper()
	return startTest(t, pgURL, nil)
}

// startTest is StartForTest with a hook that adjusts the configuration.
func startTest(t testing.TB, pgURL string, adjust func(*Config)) *TestEndpoint {
	t.Helper()
	pc, err := pgx.ParseConfig(pgURL)
	if err != nil {
		t.Fatalf("redshiftlocal: parse PostgreSQL URL: %v", err)
	}
	e := &TestEndpoint{AccessKeyID: "AKIALORELOCALTEST", SecretAccessKey: "lore-local-test-secret",
		Region: "us-east-1", Cluster: "lore-local", Workgroup: "lore-local", Database: pc.Database, DbUser: pc.User}
	cfg := Config{PostgresURL: pgURL, AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey,
		Clusters: []string{e.Cluster}, Workgroups: []string{e.Workgroup}}
	if adjust != nil {
		adjust(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("redshiftlocal: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	e.URL, e.Server = hs.URL, srv
	return e
}

// AWSConfig returns an aws.Config with the endpoint's static credentials, region and base URL.
func (e *TestEndpoint) AWSConfig() aws.Config {
	return aws.Config{
		Region:       e.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(e.AccessKeyID, e.SecretAccessKey, ""),
		BaseEndpoint: aws.String(e.URL),
	}
}

// Client returns an unmodified redshiftdata client pointed at the endpoint.
func (e *TestEndpoint) Client() *redshiftdata.Client {
	return redshiftdata.NewFromConfig(e.AWSConfig())
}
