// Package testpg gives tests a real PostgreSQL server: a fresh database per test, dropped
// afterwards, and loaders for the shared sample data sets (TICKIT, AdventureWorks).
//
// The server is LORE_TEST_DATABASE_URL when set, else postgres://postgres@127.0.0.1:5432/postgres.
// When no server answers, tests skip, unless LORE_REQUIRE_POSTGRES=1, when they fail.
package testpg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// DefaultURL is the server the test machines run.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns the admin URL of the test server, skipping or failing t when none answers.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("LORE_TEST_DATABASE_URL")
	if u == "" {
		u = DefaultURL
	}
	if err := ping(u); err != nil {
		if os.Getenv("LORE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (LORE_REQUIRE_POSTGRES=1) but %s does not answer: %v", redact(u), err)
		}
		t.Skipf("no PostgreSQL at %s (%v); set LORE_TEST_DATABASE_URL", redact(u), err)
	}
	return u
}

var pingOnce sync.Map // url -> error

func ping(u string) error {
	if v, ok := pingOnce.Load(u); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	db, err := sql.Open("pgx", u)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
		db.Close()
	}
	if err != nil {
		pingOnce.Store(u, err)
	} else {
		pingOnce.Store(u, nil)
	}
	return err
}

// NewDatabase creates an empty database named after the test and returns its URL.
// The database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := ServerURL(t)
	name := "lore_t_" + sanitize(t.Name()) + "_" + randomSuffix()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
	})
	return WithDatabase(admin, name)
}

// WithDatabase returns u with its database replaced by name.
func WithDatabase(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Path = "/" + name
	return p.String()
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the configured URL"
	}
	return p.Redacted()
}

// SharedDir returns the shared material directory (testdata, bench): LORE_SHARED_DIR when set,
// else the first "shared" directory holding testdata found beside the module root or any of its
// ancestors.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := FindSharedDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// FindSharedDir is SharedDir without a test.
func FindSharedDir() (string, error) {
	if d := os.Getenv("LORE_SHARED_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "testdata")); err != nil {
			return "", fmt.Errorf("LORE_SHARED_DIR=%s has no testdata folder", d)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared")
		if st, err := os.Stat(filepath.Join(cand, "testdata")); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("the shared test material (a folder shared/testdata beside the repository) was not found; set LORE_SHARED_DIR")
}

// psql runs a psql script file against dbURL from the file's folder.
func psql(t testing.TB, dbURL, dir, file string) {
	t.Helper()
	runPsql(t, dbURL, dir, file, true)
}

func runPsql(t testing.TB, dbURL, dir, file string, stopOnError bool) {
	t.Helper()
	stop := "ON_ERROR_STOP=1"
	if !stopOnError {
		stop = "ON_ERROR_STOP=0"
	}
	cmd := exec.Command("psql", "-X", "-q", "-o", os.DevNull, "-v", stop, "-d", dbURL, "-f", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c client_min_messages=warning")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql %s: %v\n%s", file, err, out)
	}
}

// LoadTICKIT loads the TICKIT sample (schema tickit, 7 tables) into dbURL.
func LoadTICKIT(t testing.TB, dbURL string) {
	t.Helper()
	psql(t, dbURL, filepath.Join(SharedDir(t), "testdata", "tickit"), "load_postgres.sql")
}

// LoadAdventureWorks loads the AdventureWorks schema, comments and constraints into dbURL.
// With data true the rows are loaded too.
func LoadAdventureWorks(t testing.TB, dbURL string, data bool) {
	t.Helper()
	dir := filepath.Join(SharedDir(t), "testdata", "adventureworks")
	// The dump assigns its objects to this role; it is cluster-wide, so create it once.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`DO $$ BEGIN CREATE ROLE adventureworks_user;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
	db.Close()
	if err != nil {
		t.Fatalf("create role adventureworks_user: %v", err)
	}
	psql(t, dbURL, dir, "schema.sql")
	if data {
		files, _ := filepath.Glob(filepath.Join(dir, "data", "*.sql"))
		for _, f := range files {
			psql(t, dbURL, filepath.Join(dir, "data"), filepath.Base(f))
		}
	}
	// With data loaded, two foreign keys fail validation because a parent table's rows are not in
	// the sample (see its README); every other constraint applies.
	runPsql(t, dbURL, dir, "constraints.sql", !data)
}
