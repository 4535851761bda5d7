package warehouse

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// Config is what Open needs to reach a warehouse. Settings holds the non-secret settings as
// they appear in a connection's config, Secrets the write-only secrets, and ExternalID the
// ExternalId Lore minted for the connection (used only when a Redshift role_arn is set).
//
// Redshift settings: region, database, cluster_identifier or workgroup_name, db_user, role_arn,
// endpoint_url, sts_endpoint_url; secrets: access_key_id, secret_access_key.
// PostgreSQL settings: host, port, database, user, sslmode; secret: password.
// Both accept statement_timeout_seconds (default 300).
type Config struct {
	Settings   map[string]string
	Secrets    map[string]string
	ExternalID string
}

// DefaultStatementTimeout bounds every statement unless statement_timeout_seconds says otherwise.
const DefaultStatementTimeout = 5 * time.Minute

func (c Config) get(key string) string { return strings.TrimSpace(c.Settings[key]) }

func (c Config) secret(key string) string { return c.Secrets[key] }

// statementTimeout returns the configured statement timeout.
func (c Config) statementTimeout() (time.Duration, error) {
	v := c.get("statement_timeout_seconds")
	if v == "" {
		return DefaultStatementTimeout, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 86400 {
		return 0, lore.Errorf(lore.EINVALID, "statement_timeout_seconds must be a whole number of seconds between 1 and 86400 (got %q).", v)
	}
	return time.Duration(n) * time.Second, nil
}

// Validate checks cfg for warehouse type typ without contacting the warehouse. It returns an
// EINVALID error that names the first bad field and says how to fix it.
func Validate(typ string, cfg Config) error {
	if _, err := cfg.statementTimeout(); err != nil {
		return err
	}
	switch typ {
	case TypeRedshift:
		_, err := newRedshiftSettings(cfg)
		return err
	case TypePostgres:
		_, err := newPostgresSettings(cfg)
		return err
	}
	return lore.Errorf(lore.EINVALID, "Unknown warehouse type %q: choose %q or %q.", typ, TypeRedshift, TypePostgres)
}

// Open validates cfg and returns a connection to a warehouse of type typ ("redshift" or
// "postgres"). Open does not contact the warehouse; call Test for that. It returns EINVALID for
// a bad configuration.
func Open(ctx context.Context, typ string, cfg Config) (Conn, error) {
	if err := Validate(typ, cfg); err != nil {
		return nil, err
	}
	switch typ {
	case TypeRedshift:
		return openRedshift(ctx, cfg)
	default:
		return openPostgres(ctx, cfg)
	}
}

// Check names for TestReport, in the order they run.
const (
	CheckEndpoint    = "endpoint"    // the server or API endpoint answers
	CheckCredentials = "credentials" // the credentials are accepted (signature, role, password)
	CheckDataAPI     = "data_api"    // the identity may call the Redshift Data API
	CheckTarget      = "target"      // the Redshift cluster or workgroup exists
	CheckDatabase    = "database"    // the database accepts the user
	CheckGrants      = "grants"      // the user can read at least one schema
)

// Check is the outcome of one connection check. Message says what was found, or what to fix.
type Check struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"`
	Message string `json:"message"`
}

// TestReport is the result of Conn.Test. OK is true when every check passed; Schemas lists the
// schemas the database user can read.
type TestReport struct {
	OK      bool     `json:"ok"`
	Checks  []Check  `json:"checks"`
	Schemas []string `json:"schemas,omitempty"`
}

// reportBuilder runs checks in order and marks the ones after a failure as skipped.
type reportBuilder struct {
	r      TestReport
	failed string
}

var checkTitles = map[string]string{
	CheckEndpoint:    "Endpoint reachable",
	CheckCredentials: "Credentials valid",
	CheckDataAPI:     "Data API allowed",
	CheckTarget:      "Cluster or workgroup found",
	CheckDatabase:    "Database reachable",
	CheckGrants:      "Readable schemas",
}

// run records check name: it calls fn unless an earlier check failed.
func (b *reportBuilder) run(name string, fn func() (string, error)) {
	c := Check{Name: name, Title: checkTitles[name]}
	if b.failed != "" {
		c.Skipped = true
		c.Message = "Not run: fix the failed check (" + checkTitles[b.failed] + ") first."
		b.r.Checks = append(b.r.Checks, c)
		return
	}
	msg, err := fn()
	if err != nil {
		c.Message = lore.ErrorMessage(err)
		b.failed = name
	} else {
		c.OK = true
		c.Message = msg
	}
	b.r.Checks = append(b.r.Checks, c)
}

func (b *reportBuilder) report() TestReport {
	b.r.OK = b.failed == ""
	return b.r
}
