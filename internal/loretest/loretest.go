// Package loretest starts a whole Lore for end-to-end tests: store (SQLite in a temporary data
// dir, or a fresh PostgreSQL database), vault, job queue with workers, catalog service and the
// web server on a random port, with an admin user and token; and a warehouse holding TICKIT and
// AdventureWorks behind the local Redshift endpoint.
package loretest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/redshiftlocal"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/web"
)

// Options chooses the store and what runs.
type Options struct {
	// Postgres uses a fresh PostgreSQL database instead of SQLite.
	Postgres bool
	// NoWork starts no job workers (a web-only process).
	NoWork bool
	// DataDir reuses a data dir (restarts); empty makes a new one.
	DataDir string
	// DatabaseURL reuses a PostgreSQL database (restarts, several processes).
	DatabaseURL string
	// NoAdmin creates no user, so the portal opens on first-run setup; Admin and AdminToken
	// stay empty.
	NoAdmin bool
}

// Lore is a running Lore.
type Lore struct {
	URL         string
	DataDir     string
	DatabaseURL string
	Stack       *stack.Stack
	Service     *catalog.Service
	Store       *store.Store
	Admin       *lore.User
	AdminToken  string
	server      *httptest.Server
}

// AdminPassword is the password of the admin user New creates.
const AdminPassword = "correct horse battery"

// New starts a Lore and stops it when the test ends.
func New(t testing.TB, o Options) *Lore {
	t.Helper()
	ctx := context.Background()
	l := &Lore{DataDir: o.DataDir, DatabaseURL: o.DatabaseURL}
	if l.DataDir == "" {
		l.DataDir = t.TempDir()
	}
	if o.Postgres && l.DatabaseURL == "" {
		l.DatabaseURL = testpg.NewDatabase(t)
	}
	st, err := stack.Open(ctx, stack.Options{DataDir: l.DataDir, DatabaseURL: l.DatabaseURL, Migrate: true, Queue: true,
		Work: !o.NoWork, MaxWorkers: 8, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("open lore: %v", err)
	}
	l.Stack, l.Service, l.Store = st, st.Catalog, st.Store
	if !o.NoWork {
		if err := st.Queue.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	acc := lore.NewAccounts(st.Store)
	srv, err := web.New(web.Config{Accounts: acc, Store: st.Store, Catalog: st.Catalog, Version: "test"})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	l.server = httptest.NewServer(srv.Handler())
	l.URL = l.server.URL
	t.Cleanup(func() {
		l.server.Close()
		st.Close()
	})
	if o.NoAdmin {
		return l
	}
	if n, _ := st.Store.CountUsers(ctx); n == 0 {
		l.Admin, err = acc.CreateUser(ctx, "admin@example.com", AdminPassword, lore.RoleAdmin, false)
	} else {
		l.Admin, _, err = st.Store.FindUserByEmail(ctx, "admin@example.com")
	}
	if err != nil {
		t.Fatal(err)
	}
	l.AdminToken, _, err = acc.CreateToken(ctx, l.Admin.Email, "test")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// CreateUser creates a member (or admin) and returns them with an API token.
func (l *Lore) CreateUser(t testing.TB, email string, admin bool) (*lore.User, string) {
	t.Helper()
	role := lore.RoleMember
	if admin {
		role = lore.RoleAdmin
	}
	acc := lore.NewAccounts(l.Store)
	u, err := acc.CreateUser(context.Background(), email, AdminPassword, role, false)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := acc.CreateToken(context.Background(), email, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u, tok
}

// API sends a JSON request with a bearer token and decodes the JSON answer into out (when not
// nil). It returns the status code.
func (l *Lore) API(t testing.TB, token, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, l.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: status %d, body %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// Browser returns an HTTP client signed in as the admin through the login form.
func (l *Lore) Browser(t testing.TB) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(l.URL+"/login", url.Values{"email": {l.Admin.Email}, "password": {AdminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	return c
}

// Warehouse is a PostgreSQL database holding TICKIT and AdventureWorks, reachable directly and
// through a local Redshift endpoint.
type Warehouse struct {
	PostgresURL string
	Endpoint    *redshiftlocal.TestEndpoint
	// Redshift and Postgres are ready connection inputs for the two connectors.
	Redshift lore.ConnectionInput
	Postgres lore.ConnectionInput
}

// TICKIT starts the sample warehouse for a test.
func TICKIT(t testing.TB) *Warehouse {
	t.Helper()
	pgURL := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, pgURL)
	testpg.LoadAdventureWorks(t, pgURL, false)
	ep := redshiftlocal.StartForTest(t, pgURL)
	u, _ := url.Parse(pgURL)
	pw, _ := u.User.Password()
	w := &Warehouse{PostgresURL: pgURL, Endpoint: ep}
	w.Redshift = lore.ConnectionInput{Name: "tickit-redshift", Type: lore.TypeRedshift,
		Config: map[string]string{"region": ep.Region, "database": ep.Database, "cluster_identifier": ep.Cluster,
			"db_user": ep.DbUser, "endpoint_url": ep.URL},
		Secrets: map[string]string{"access_key_id": ep.AccessKeyID, "secret_access_key": ep.SecretAccessKey}}
	w.Postgres = lore.ConnectionInput{Name: "tickit-postgres", Type: lore.TypePostgres,
		Config:  map[string]string{"host": u.Hostname(), "port": u.Port(), "database": ep.Database, "user": u.User.Username(), "sslmode": "disable"},
		Secrets: map[string]string{}}
	if pw != "" {
		w.Postgres.Secrets["password"] = pw
	}
	return w
}

// WaitRun polls a run until it ends or the timeout passes, and returns it.
func (l *Lore) WaitRun(t testing.TB, runID int64, timeout time.Duration) *lore.Run {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r, err := l.Service.GetRun(context.Background(), runID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != lore.StatusQueued && r.Status != lore.StatusRunning {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s after %s: %+v", runID, r.Status, timeout, r.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// String describes the Lore for messages.
func (l *Lore) String() string { return fmt.Sprintf("lore at %s", l.URL) }
