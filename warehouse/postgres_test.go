package warehouse

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

// pgConfig turns a test database URL into a connector configuration.
func pgConfig(t testing.TB, dbURL string) Config {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return Config{
		Settings: map[string]string{"host": u.Hostname(), "port": u.Port(), "database": strings.TrimPrefix(u.Path, "/"), "user": u.User.Username()},
		Secrets:  map[string]string{"password": pw},
	}
}

func openPG(t *testing.T, cfg Config) *postgresConn {
	t.Helper()
	c, err := Open(context.Background(), TypePostgres, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*postgresConn)
}

func TestPostgresValidate(t *testing.T) {
	t.Parallel()
	base := func() Config {
		return Config{Settings: map[string]string{"host": "db.example.com", "database": "dev", "user": "lore"}}
	}
	cases := []struct {
		name  string
		set   map[string]string
		field string
	}{
		{"no host", map[string]string{"host": ""}, "host"},
		{"bad port", map[string]string{"port": "99999"}, "port"},
		{"no database", map[string]string{"database": ""}, "database"},
		{"no user", map[string]string{"user": ""}, "user"},
		{"bad sslmode", map[string]string{"sslmode": "maybe"}, "sslmode"},
		{"bad timeout", map[string]string{"statement_timeout_seconds": "-3"}, "statement_timeout_seconds"},
	}
	for _, tc := range cases {
		cfg := base()
		for k, v := range tc.set {
			cfg.Settings[k] = v
		}
		err := Validate(TypePostgres, cfg)
		if lore.ErrorCode(err) != lore.EINVALID || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want an EINVALID error naming %s", tc.name, err, tc.field)
		}
	}
	if err := Validate("oracle", base()); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("unknown type: got %v", err)
	}
	for host, want := range map[string]string{"db.example.com": "require", "127.0.0.1": "prefer", "localhost": "prefer", "::1": "prefer", "10.0.0.5": "require"} {
		cfg := base()
		cfg.Settings["host"] = host
		s, err := newPostgresSettings(cfg)
		if err != nil || s.sslmode != want {
			t.Errorf("host %s: sslmode %q (%v), want %q", host, s.sslmode, err, want)
		}
	}
}

// TestSamples runs both connectors against one database holding TICKIT and AdventureWorks
// (schema, comments and constraints); Redshift goes through the local Data API endpoint.
func TestSamples(t *testing.T) {
	t.Parallel()
	dbURL := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, dbURL)
	testpg.LoadAdventureWorks(t, dbURL, false)
	t.Run("test connection", func(t *testing.T) { testPostgresTestConnection(t, dbURL) })
	t.Run("test failures", func(t *testing.T) { testPostgresTestFailures(t, dbURL) })
	t.Run("browse", func(t *testing.T) { testPostgresBrowse(t, dbURL) })
	t.Run("catalog", func(t *testing.T) { testPostgresCatalog(t, dbURL) })
	t.Run("query", func(t *testing.T) { testPostgresQuery(t, dbURL) })
	t.Run("redshift test connection", func(t *testing.T) { testRedshiftTestConnection(t, dbURL) })
	t.Run("redshift test failures", func(t *testing.T) { testRedshiftTestFailures(t, dbURL) })
	t.Run("redshift browse", func(t *testing.T) { testRedshiftBrowse(t, dbURL) })
	t.Run("redshift catalog", func(t *testing.T) { testRedshiftCatalog(t, dbURL) })
	t.Run("redshift query", func(t *testing.T) { testRedshiftQuery(t, dbURL) })
	t.Run("redshift retries", func(t *testing.T) { testRedshiftRetries(t, dbURL) })
}

func testPostgresTestConnection(t *testing.T, dbURL string) {
	c := openPG(t, pgConfig(t, dbURL))
	rep := c.Test(context.Background())
	if !rep.OK {
		t.Fatalf("test failed: %+v", rep)
	}
	want := []string{CheckEndpoint, CheckCredentials, CheckDatabase, CheckGrants}
	if len(rep.Checks) != len(want) {
		t.Fatalf("checks %+v, want %v", rep.Checks, want)
	}
	for i, ch := range rep.Checks {
		if ch.Name != want[i] || !ch.OK {
			t.Errorf("check %d: %+v", i, ch)
		}
	}
	if !contains(rep.Schemas, "tickit") || !contains(rep.Schemas, "sales") {
		t.Errorf("readable schemas %v lack tickit or sales", rep.Schemas)
	}
}

// testPostgresTestFailures checks that each bad input fails the check that names it.
func testPostgresTestFailures(t *testing.T, dbURL string) {
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := "lore_nogrant_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	if _, err := admin.Exec(`DROP ROLE IF EXISTS ` + role + `; CREATE ROLE ` + role + ` LOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(`DROP ROLE IF EXISTS ` + role) })

	cases := []struct {
		name, check, text string
		set               map[string]string
	}{
		{"closed port", CheckEndpoint, "port", map[string]string{"port": "1"}},
		{"unknown user", CheckCredentials, "nosuchuser", map[string]string{"user": "nosuchuser"}},
		{"unknown database", CheckDatabase, "database", map[string]string{"database": "nosuchdb_lore"}},
		{"no grants", CheckGrants, "GRANT USAGE", map[string]string{"user": role}},
		{"untrusted certificate", CheckEndpoint, "certificate", map[string]string{"sslmode": "verify-full"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := pgConfig(t, dbURL)
			for k, v := range tc.set {
				cfg.Settings[k] = v
			}
			rep := openPG(t, cfg).Test(context.Background())
			if rep.OK {
				t.Fatalf("test passed, want %s to fail", tc.check)
			}
			ch := failedCheck(rep)
			if ch.Name != tc.check || !strings.Contains(ch.Message, tc.text) {
				t.Errorf("failed check %+v, want %s mentioning %q", ch, tc.check, tc.text)
			}
			for _, later := range rep.Checks[indexOf(rep, ch.Name)+1:] {
				if !later.Skipped {
					t.Errorf("check %s after the failure was not skipped", later.Name)
				}
			}
		})
	}
}

func failedCheck(r TestReport) Check {
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			return c
		}
	}
	return Check{}
}

func indexOf(r TestReport, name string) int {
	for i, c := range r.Checks {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
