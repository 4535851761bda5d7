package main

import (
	"context"
	"database/sql"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/internal/testpg"
)

// firstRun checks a fresh Lore: healthy, / sends to /setup, and /setup is the setup page.
func firstRun(t *testing.T, s *server) {
	t.Helper()
	resp, err := s.client.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "/setup" {
		t.Fatalf("GET /: status %d, Location %q; want a redirect to /setup", resp.StatusCode, loc)
	}
	resp, err = s.client.Get(s.URL + "/setup")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Set up Lore") {
		t.Fatalf("GET /setup: status %d, no 'Set up Lore' in the page", resp.StatusCode)
	}
}

// tokenWorks checks that the token is accepted by /api/v1/me and a wrong one is not.
func tokenWorks(t *testing.T, s *server, token string) {
	t.Helper()
	var me struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if code := s.api(t, token, "GET", "/api/v1/me", nil, &me); code != http.StatusOK || me.Email != "a@example.com" || me.Role != "admin" {
		t.Fatalf("GET /api/v1/me with the CLI token: status %d, %+v", code, me)
	}
	if code := s.api(t, token+"x", "GET", "/api/v1/me", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/me with a wrong token: status %d, want 401", code)
	}
	if code := s.api(t, "", "GET", "/api/v1/me", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/me without a token: status %d, want 401", code)
	}
}

func TestServeEmbeddedFirstRunUsersTokensAndSIGTERM(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s := serve(t, nil, "--data-dir", dir)
	firstRun(t, s)
	// The CLI works beside the running server and the token it prints is accepted.
	tok := createAdmin(t, nil, "--data-dir", dir)
	tokenWorks(t, s, tok)

	if code := s.stop(t); code != 0 {
		t.Fatalf("SIGTERM: exit %d, want 0; log:\n%s", code, s.log.String())
	}
	if !strings.Contains(s.log.String(), "shutting down") {
		t.Errorf("no shutdown logged:\n%s", s.log.String())
	}
	// Restarted, everything is still there.
	s = serve(t, nil, "--data-dir", dir)
	tokenWorks(t, s, tok)
}

func TestServePostgres(t *testing.T) {
	t.Parallel()
	dbURL := testpg.NewDatabase(t)
	keys := t.TempDir()
	s := serve(t, nil, "--database-url", dbURL, "--data-dir", keys)
	firstRun(t, s)
	tok := createAdmin(t, nil, "--database-url", dbURL, "--data-dir", keys)
	tokenWorks(t, s, tok)
	if code := s.stop(t); code != 0 {
		t.Fatalf("SIGTERM: exit %d; log:\n%s", code, s.log.String())
	}
	// Nothing but the key file lives in the data dir with PostgreSQL.
	if _, err := os.Stat(filepath.Join(keys, "lore.db")); err == nil {
		t.Error("lore.db was created with --database-url")
	}
}

func TestServeFromEnvironment(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	env := []string{"LORE_DATA_DIR=" + dir, "LORE_LOG_FORMAT=json", "LORE_ROLE=all"}
	s := serve(t, env)
	firstRun(t, s)
	if _, err := os.Stat(filepath.Join(dir, "lore.db")); err != nil {
		t.Fatalf("LORE_DATA_DIR was not used: %v", err)
	}
	if !strings.Contains(s.log.String(), `"msg":"lore serving"`) {
		t.Errorf("LORE_LOG_FORMAT=json was not used:\n%s", s.log.String())
	}
	// users and tokens read LORE_DATA_DIR too.
	tokenWorks(t, s, createAdmin(t, []string{"LORE_DATA_DIR=" + dir}))
	// The command line beats the environment.
	r := runLore(t, []string{"LORE_ROLE=boss"}, "", "serve", "--role", "web", "--tls-cert", "x", "--data-dir", dir)
	wantOneLineError(t, r, "--tls-key")
	r = runLore(t, []string{"LORE_ROLE=boss"}, "", "serve", "--data-dir", dir)
	wantOneLineError(t, r, "--role", "boss")
	r = runLore(t, []string{"LORE_MAX_WORKERS=many"}, "", "serve", "--data-dir", dir)
	wantOneLineError(t, r, "LORE_MAX_WORKERS")
}

func TestServeTLSSelfSigned(t *testing.T) {
	t.Parallel()
	s := serve(t, nil, "--data-dir", t.TempDir(), "--tls-self-signed")
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatal(s.URL)
	}
	resp, err := s.client.Get(s.URL + "/setup")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no TLS or no HSTS: %v %q", resp.TLS != nil, resp.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP on the same port is not served.
	if resp, err := http.Get(strings.Replace(s.URL, "https://", "http://", 1) + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}
	// The first admin's session cookie carries the __Host- prefix and Secure.
	form := url.Values{"email": {"a@example.com"}, "password": {testPassword}, "confirm": {testPassword}}
	resp, err = s.client.PostForm(s.URL+"/setup", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "__Host-") && strings.Contains(c.Name, "session") {
			found = true
			if !c.Secure || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %s: Secure %v Path %q Domain %q", c.Name, c.Secure, c.Path, c.Domain)
			}
		}
	}
	if !found {
		t.Fatalf("POST /setup over TLS: status %d, no __Host- session cookie in %v", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
}

func TestServeTwiceOnOneDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serve(t, nil, "--data-dir", dir)
	second, ok := startLore(t, nil, "--data-dir", dir)
	if ok {
		t.Fatal("a second lore serve on the same data dir came up")
	}
	if second.code == 0 {
		t.Fatal("the second lore serve exited 0")
	}
	log := strings.TrimSpace(second.log.String())
	if strings.Contains(log, "\n") || !strings.Contains(log, "already uses the data dir") || !strings.Contains(log, "stop it first") {
		t.Fatalf("second serve said %q", log)
	}
}

func TestServeBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	cases := []struct {
		name  string
		args  []string
		want  []string
		stdin string
	}{
		{"unwritable data dir", []string{"serve", "--data-dir", filepath.Join(file, "sub")}, []string{"data dir", "--data-dir"}, ""},
		{"database does not connect", []string{"serve", "--data-dir", dir, "--database-url", "postgres://postgres@127.0.0.1:1/x"}, []string{"cannot connect to PostgreSQL", "check that the server runs"}, ""},
		{"not a postgres url", []string{"migrate", "--data-dir", dir, "--database-url", "mysql://x"}, []string{"--database-url must look like"}, ""},
		{"unknown role", []string{"serve", "--data-dir", dir, "--role", "boss"}, []string{"--role must be web, worker or all"}, ""},
		{"cert without key", []string{"serve", "--data-dir", dir, "--tls-cert", file}, []string{"--tls-cert and --tls-key"}, ""},
		{"key without cert", []string{"serve", "--data-dir", dir, "--tls-key", file}, []string{"--tls-cert and --tls-key"}, ""},
		{"cert and self-signed", []string{"serve", "--data-dir", dir, "--tls-cert", file, "--tls-key", file, "--tls-self-signed"}, []string{"not both"}, ""},
		{"unloadable cert", []string{"serve", "--data-dir", dir, "--tls-cert", file, "--tls-key", file}, []string{"cannot load --tls-cert"}, ""},
		{"worker on sqlite", []string{"serve", "--data-dir", dir, "--role", "worker"}, []string{"--database-url"}, ""},
		{"bad log level", []string{"serve", "--data-dir", dir, "--log-level", "loud"}, []string{"--log-level"}, ""},
		{"unknown key provider", []string{"serve", "--data-dir", dir, "--key-provider", "vault://x"}, []string{"--key-provider"}, ""},
		{"address in use", []string{"serve", "--data-dir", filepath.Join(dir, "busy"), "--addr", busy.Addr().String()}, []string{"--addr"}, ""},
		{"password not on stdin", []string{"users", "create", "--data-dir", dir, "--email", "b@example.com"}, []string{"--password-stdin"}, ""},
		{"empty password", []string{"users", "create", "--data-dir", dir, "--email", "b@example.com", "--password-stdin"}, []string{"no password"}, ""},
		{"short password", []string{"users", "create", "--data-dir", dir, "--email", "b@example.com", "--password-stdin"}, []string{"at least"}, "pw"},
		{"bad email", []string{"users", "create", "--data-dir", dir, "--email", "nobody", "--password-stdin"}, []string{"mail"}, testPassword},
		{"token for unknown user", []string{"tokens", "create", "--data-dir", dir, "--email", "ghost@example.com"}, []string{"ghost@example.com"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantOneLineError(t, runLore(t, nil, tc.stdin, tc.args...), tc.want...)
		})
	}
}

// markNewer records schema version 9999 in lore_migrations, as a newer Lore would.
func markNewer(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO lore_migrations (version, name, applied_at) VALUES (9999, 'future', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL := testpg.NewDatabase(t)
		keys := t.TempDir()
		mustLore(t, nil, "", "migrate", "--database-url", dbURL, "--data-dir", keys)
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		markNewer(t, db)
		for _, cmd := range []string{"migrate", "serve"} {
			wantOneLineError(t, runLore(t, nil, "", cmd, "--database-url", dbURL, "--data-dir", keys), "newer Lore", "9999")
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		st, err := stack.Open(context.Background(), stack.Options{DataDir: dir, Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		markNewer(t, st.Store.DB())
		st.Close()
		for _, cmd := range []string{"migrate", "serve"} {
			wantOneLineError(t, runLore(t, nil, "", cmd, "--data-dir", dir), "newer Lore", "9999")
		}
	})
}

// TestEveryServeFlagReadsEnvironment sets LORE_<FLAG> for every flag of `lore serve` and checks
// that each one arrives.
func TestEveryServeFlagReadsEnvironment(t *testing.T) {
	fs := newFlagSet("lore serve", io.Discard)
	var cfg Config
	cfg.register(fs)
	want := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		v := "from-env-" + f.Name
		switch f.DefValue {
		case "true", "false":
			v = "true"
		}
		if _, err := strconv.Atoi(f.DefValue); err == nil {
			v = "7"
		}
		if _, err := time.ParseDuration(f.DefValue); err == nil && f.DefValue != "0" {
			v = "3s"
		}
		if f.Name == "rescue-after" {
			v = "3s"
		}
		want[f.Name] = v
		t.Setenv(EnvName(f.Name), v)
	})
	if len(want) < 10 {
		t.Fatalf("only %d flags", len(want))
	}
	if err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if got := f.Value.String(); got != want[f.Name] {
			t.Errorf("--%s from %s: got %q, want %q", f.Name, EnvName(f.Name), got, want[f.Name])
		}
	})
	if cfg.Store.dataDir != "from-env-data-dir" || cfg.Addr != "from-env-addr" || cfg.MaxWorkers != 7 {
		t.Errorf("config %+v", cfg)
	}
	// A flag on the command line wins over its variable.
	fs2 := newFlagSet("lore serve", io.Discard)
	var cfg2 Config
	cfg2.register(fs2)
	if err := parseFlags(fs2, []string{"--data-dir", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if cfg2.Store.dataDir != "from-flag" || cfg2.Addr != "from-env-addr" {
		t.Errorf("flag and environment: data dir %q, addr %q", cfg2.Store.dataDir, cfg2.Addr)
	}
}
