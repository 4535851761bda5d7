package web

import (
	"context"
	"encoding/json"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/vault"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
)

// testClock is a settable clock for throttling and session expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is a running Lore web server on a fresh SQLite store.
type testEnv struct {
	t        *testing.T
	store    *store.Store
	accounts *lore.Accounts
	server   *Server
	http     *httptest.Server
	clock    *testClock
}

const testPassword = "correct horse battery"

// setup starts a server on a fresh SQLite store in t.TempDir(). opts adjust the Config.
func setup(t *testing.T, opts ...func(*Config)) *testEnv {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return setupWith(t, st, opts...)
}

func setupWith(t *testing.T, st *store.Store, opts ...func(*Config)) *testEnv {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	accounts := lore.NewAccounts(st)
	accounts.Now = clock.Now
	// The shell's pages get a real catalog service (no job queue: nothing is processed here).
	dir := t.TempDir()
	p, err := vault.OpenProvider(context.Background(), "file", dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(context.Background(), p, st, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Accounts: accounts, Store: st, Catalog: catalog.New(st, v, nil, nil), Now: clock.Now, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{t: t, store: st, accounts: accounts, server: srv, http: hs, clock: clock}
}

// client returns an HTTP client with its own cookie jar that does not follow redirects.
func (e *testEnv) client() *http.Client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// response is a read response.
type response struct {
	*http.Response
	body string
}

// do sends a request with optional headers given as "Name", "value" pairs.
func (e *testEnv) do(c *http.Client, method, path string, body io.Reader, headers ...string) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{Response: resp, body: string(b)}
}

func (e *testEnv) get(c *http.Client, path string, headers ...string) *response {
	e.t.Helper()
	return e.do(c, http.MethodGet, path, nil, headers...)
}

// post submits a form.
func (e *testEnv) post(c *http.Client, path string, form url.Values, headers ...string) *response {
	e.t.Helper()
	headers = append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)
	return e.do(c, http.MethodPost, path, strings.NewReader(form.Encode()), headers...)
}

// jsonReq sends a JSON body (nil for none) with a bearer token (empty for none).
func (e *testEnv) jsonReq(c *http.Client, method, path, token string, body any, headers ...string) *response {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	headers = append([]string{"Content-Type", "application/json"}, headers...)
	if token != "" {
		headers = append(headers, "Authorization", "Bearer "+token)
	}
	return e.do(c, method, path, r, headers...)
}

// user creates a user directly through the account service.
func (e *testEnv) user(email, role string) *lore.User {
	e.t.Helper()
	u, err := e.accounts.CreateUser(context.Background(), email, testPassword, role, false)
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// login signs in with a fresh client and returns it.
func (e *testEnv) login(email string) *http.Client {
	e.t.Helper()
	c := e.client()
	r := e.post(c, "/login", url.Values{"email": {email}, "password": {testPassword}})
	if r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d: %s", email, r.StatusCode, r.body)
	}
	return c
}

// token creates an API token as `lore tokens create` does.
func (e *testEnv) token(email string) string {
	e.t.Helper()
	tok, _, err := e.accounts.CreateToken(context.Background(), email, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (r *response) wantStatus(t *testing.T, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.body)
	}
}

func (r *response) wantBody(t *testing.T, substr string) {
	t.Helper()
	if !strings.Contains(r.body, substr) {
		t.Fatalf("%s %s: body lacks %q:\n%s", r.Request.Method, r.Request.URL.Path, substr, r.body)
	}
}

func (r *response) wantLocation(t *testing.T, want string) {
	t.Helper()
	if got := r.Header.Get("Location"); got != want {
		t.Fatalf("%s %s: Location %q, want %q (status %d)", r.Request.Method, r.Request.URL.Path, got, want, r.StatusCode)
	}
}

// apiError decodes a JSON error body.
func (r *response) apiError(t *testing.T) (code, msg string) {
	t.Helper()
	var v struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Error.Code == "" {
		t.Fatalf("not a JSON error (%v): %s", err, r.body)
	}
	return v.Error.Code, v.Error.Message
}

// cookie returns the Set-Cookie of name in r, or nil.
func (r *response) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (e *testEnv) countUsers() int {
	e.t.Helper()
	n, err := e.store.CountUsers(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *testEnv) auditActions() []string {
	e.t.Helper()
	entries, err := e.store.ListAudit(context.Background(), 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range entries {
		out = append(out, a.Action)
	}
	return out
}
