package benchmarks

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/warehouse"
)

// synthetic describes one warehouse built by gen_warehouse.sh.
type synthetic struct {
	Name    string
	Args    []string // SCHEMAS TABLES ROWS ROW_EVERY VIEWS
	Schemas int
	Tables  int // base tables (views not counted)
	Build   string
}

var (
	whSmall = synthetic{"wh_small", []string{"1", "50", "3000", "10", "1"}, 1, 50, "seconds"}
	whLarge = synthetic{"wh_large", []string{"20", "100", "3000", "20", "1"}, 20, 2000, "about 25 s"}
	whHuge  = synthetic{"wh_huge", []string{"200", "100", "3000", "200", "1"}, 200, 20000, "several minutes"}
	whProf  = synthetic{"wh_prof", []string{"1", "10", "1000000", "1", "0"}, 1, 10, "over 10 minutes, 3.8 GB"}
)

func (w synthetic) command() string {
	return "PGHOST=127.0.0.1 PGUSER=postgres ../shared/bench/gen_warehouse.sh " + w.Name + " " + strings.Join(w.Args, " ")
}

func defaultServerURL() string {
	if u := os.Getenv("LORE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return testpg.DefaultURL
}

func ping(ctx context.Context, u string) error {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the configured URL"
	}
	return p.Redacted()
}

// dbURL returns the URL of database name on the benchmark server.
func (r *Runner) dbURL(name string) string { return testpg.WithDatabase(r.opts.ServerURL, name) }

// baseTables counts the tables of a synthetic warehouse's wh_s* schemas, 0 when the database
// does not exist.
func (r *Runner) baseTables(ctx context.Context, w synthetic) (int, error) {
	admin, err := sql.Open("pgx", r.opts.ServerURL)
	if err != nil {
		return 0, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, w.Name).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	db, err := sql.Open("pgx", r.dbURL(w.Name))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname LIKE 'wh\_s%' AND c.relkind = 'r'`).Scan(&n)
	return n, err
}

// present reports whether the warehouse exists complete.
func (r *Runner) present(ctx context.Context, w synthetic) bool {
	n, err := r.baseTables(ctx, w)
	return err == nil && n == w.Tables
}

// ensure builds the warehouse with gen_warehouse.sh when it is missing or incomplete, and
// reports how long that took.
func (r *Runner) ensure(ctx context.Context, w synthetic) error {
	if r.present(ctx, w) {
		return nil
	}
	script := filepath.Join(r.opts.SharedDir, "bench", "gen_warehouse.sh")
	u, err := url.Parse(r.opts.ServerURL)
	if err != nil {
		return err
	}
	r.logf("   building %s (%d tables, %s) ...", w.Name, w.Tables, w.Build)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", append([]string{script, w.Name}, w.Args...)...)
	cmd.Env = append(os.Environ(), "PGHOST="+u.Hostname(), "PGUSER="+u.User.Username())
	if p := u.Port(); p != "" {
		cmd.Env = append(cmd.Env, "PGPORT="+p)
	}
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+pw)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("build %s with %s: %v: %s", w.Name, w.command(), err, strings.TrimSpace(string(out)))
	}
	r.logf("   built %s in %s: %s", w.Name, time.Since(start).Round(time.Second), lastLine(string(out)))
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// pgConfig returns the PostgreSQL connector's configuration for database name.
func (r *Runner) pgConfig(name string) warehouse.Config {
	u, _ := url.Parse(r.opts.ServerURL)
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	cfg := warehouse.Config{Settings: map[string]string{"host": u.Hostname(), "port": port, "database": name,
		"user": u.User.Username(), "sslmode": "disable"}, Secrets: map[string]string{}}
	if pw, ok := u.User.Password(); ok {
		cfg.Secrets["password"] = pw
	}
	return cfg
}

// connectionInput is pgConfig as a Lore connection.
func (r *Runner) connectionInput(name string) lore.ConnectionInput {
	cfg := r.pgConfig(name)
	return lore.ConnectionInput{Name: "bench " + name, Type: lore.TypePostgres, Config: cfg.Settings, Secrets: cfg.Secrets}
}

// openPG opens the PostgreSQL connector on database name.
func (r *Runner) openPG(ctx context.Context, name string) (warehouse.Conn, error) {
	return warehouse.Open(ctx, warehouse.TypePostgres, r.pgConfig(name))
}

// schemasOf selects the first n wh_s* schemas of db as whole schemas.
func schemasOf(db string, n int) warehouse.Selection {
	var sel warehouse.Selection
	for i := range n {
		sel = append(sel, warehouse.SelectionItem{Database: db, Schema: fmt.Sprintf("wh_s%03d", i)})
	}
	return sel
}

// largeMetas returns the catalog of wh_large, read once through the connector.
func (r *Runner) largeMetas(ctx context.Context) ([]lore.TableMeta, error) {
	if r.metas != nil {
		return r.metas, nil
	}
	if err := r.ensure(ctx, whLarge); err != nil {
		return nil, err
	}
	c, err := r.openPG(ctx, whLarge.Name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	metas, err := c.Catalog(ctx, schemasOf(whLarge.Name, whLarge.Schemas))
	if err != nil {
		return nil, err
	}
	r.metas = metas
	return metas, nil
}

// stats returns a connector's counters.
func stats(c warehouse.Conn) warehouse.Stats {
	if sr, ok := c.(warehouse.StatsReporter); ok {
		return sr.Stats()
	}
	return warehouse.Stats{}
}
