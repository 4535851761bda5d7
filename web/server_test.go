package web

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/store"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, path := range []string{"/healthz", "/login", "/api/v1/me", "/static/lore.css"} {
		r := e.get(e.client(), path)
		h := r.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS without TLS", path)
		}
	}
	e.get(e.client(), "/healthz").wantBody(t, "ok")
}

func TestTLSCookiesAndHSTS(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.TLS = true })
	// Drive the handler directly: the test server speaks plain HTTP, the config says TLS.
	form := url.Values{"email": {"ana@example.com"}, "password": {testPassword}, "confirm": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "https://lore.example/setup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.server.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", w.Code, w.Body)
	}
	if !strings.HasPrefix(w.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS under TLS")
	}
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "__Host-lore_session" {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || session.Path != "/" || session.Domain != "" {
		t.Fatalf("session cookie %+v, want __Host- prefix, Secure, HttpOnly, Path=/", session)
	}
}

func TestSidebarPagesRender(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleAdmin)
	e.user("bo@example.com", lore.RoleMember)
	admin, member := e.login("ana@example.com"), e.login("bo@example.com")
	for _, n := range navItems {
		r := e.get(admin, n.Href)
		r.wantStatus(t, http.StatusOK)
		r.wantBody(t, `class="active" aria-current="page">`+n.Label)
		e.get(member, n.Href).wantStatus(t, http.StatusOK)
		// Anonymous visitors are sent to sign in.
		e.get(e.client(), n.Href).wantLocation(t, "/login?next="+url.QueryEscape(n.Href))
	}
	e.get(admin, "/connections").wantBody(t, "No connections yet")
	e.get(admin, "/metadata").wantBody(t, "No connections yet")
	e.get(admin, "/personas").wantBody(t, "No personas yet")
	e.get(admin, "/settings").wantBody(t, "Audit log")
	if strings.Contains(e.get(member, "/settings").body, "Audit log") {
		t.Fatal("a member sees the audit log")
	}
}

func TestSettingsTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ana := e.user("ana@example.com", lore.RoleMember)
	c := e.login("ana@example.com")

	r := e.post(c, "/settings/tokens", url.Values{"name": {"laptop"}})
	r.wantStatus(t, http.StatusOK)
	r.wantBody(t, "shown only once")
	tok := regexp.MustCompile(`value="(lore_[A-Za-z0-9_-]+)"`).FindStringSubmatch(r.body)
	if tok == nil {
		t.Fatalf("no token on the page:\n%s", r.body)
	}
	e.jsonReq(e.client(), http.MethodGet, "/api/v1/me", tok[1], nil).wantStatus(t, http.StatusOK)
	page := e.get(c, "/settings")
	page.wantBody(t, "laptop")
	if strings.Contains(page.body, tok[1]) {
		t.Fatal("the token is shown a second time")
	}
	e.post(c, "/settings/tokens", url.Values{"name": {strings.Repeat("n", 300)}}).wantStatus(t, http.StatusBadRequest)

	tokens, err := e.store.ListTokens(context.Background(), ana.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %v %v", tokens, err)
	}
	e.post(c, "/settings/tokens/"+strconv.FormatInt(tokens[0].ID, 10)+"/delete", nil).wantLocation(t, "/settings")
	e.jsonReq(e.client(), http.MethodGet, "/api/v1/me", tok[1], nil).wantStatus(t, http.StatusUnauthorized)
	// Nobody deletes another user's token.
	e.post(c, "/settings/tokens/999/delete", nil).wantStatus(t, http.StatusNotFound)

	entries, err := e.store.ListAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range entries {
		if strings.Contains(a.Detail+a.Target, "lore_") {
			t.Fatalf("audit entry holds a token value: %+v", a)
		}
	}
}

func TestOversizedBody(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := "email=a%40x.io&password=" + strings.Repeat("p", DefaultMaxBody+10)
	r := e.do(e.client(), http.MethodPost, "/login", strings.NewReader(body), "Content-Type", "application/x-www-form-urlencoded")
	r.wantStatus(t, http.StatusRequestEntityTooLarge)
	r.wantBody(t, "Send less data")
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	e := setup(t)
	page := e.get(e.client(), "/setup")
	for _, name := range []string{"lore.css", "htmx.min.js"} {
		m := regexp.MustCompile(`/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]+`).FindString(page.body)
		if m == "" {
			t.Fatalf("login page does not link a versioned %s", name)
		}
		r := e.get(e.client(), m)
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", m, r.Header.Get("Cache-Control"))
		}
	}
	if cc := e.get(e.client(), "/static/lore.css").Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("unversioned asset Cache-Control %q", cc)
	}
	e.get(e.client(), "/static/htmx.LICENSE").wantBody(t, "Zero-Clause BSD")
	e.get(e.client(), "/static/missing.js").wantStatus(t, http.StatusNotFound)
}

// TestPostgresStore runs the sign-in and API path on PostgreSQL.
func TestPostgresStore(t *testing.T) {
	t.Parallel()
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: testpg.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := setupWith(t, st)
	c := e.client()
	e.get(c, "/").wantLocation(t, "/setup")
	e.post(c, "/setup", url.Values{"email": {"ana@example.com"}, "password": {testPassword}, "confirm": {testPassword}}).wantLocation(t, "/connections")
	e.post(c, "/logout", nil).wantLocation(t, "/login")
	c = e.login("ana@example.com")
	e.get(c, "/api/v1/me").wantBody(t, "ana@example.com")
	tok := e.token("ana@example.com")
	e.jsonReq(e.client(), http.MethodPost, "/api/v1/teams", tok, map[string]any{"name": "Ops", "members": []string{"ana@example.com"}}).wantStatus(t, http.StatusCreated)
	e.jsonReq(e.client(), http.MethodGet, "/api/v1/me", tok+"x", nil).wantStatus(t, http.StatusUnauthorized)
}

func TestBrokenTemplateFailsStartup(t *testing.T) {
	t.Parallel()
	e := setup(t)
	good := fstest.MapFS{
		"templates/layout.html":        {Data: []byte(`{{define "layout"}}{{block "content" .}}{{end}}{{end}}`)},
		"templates/partials/x.html":    {Data: []byte(`{{define "x"}}x{{end}}`)},
		"templates/pages/error.html":   {Data: []byte(`{{define "content"}}{{.Message}}{{end}}`)},
		"templates/pages/teams.html":   {Data: []byte(`{{define "content"}}{{range .Teams}}{{.Name}}{{end}}{{end}}`)},
		"templates/pages/unused.html":  {Data: []byte(`{{define "content"}}{{asset "lore.css"}}{{end}}`)},
		"templates/pages/another.html": {Data: []byte(`{{define "content"}}{{nav}}{{end}}`)},
	}
	if _, err := e.server.parseTemplates(good); err != nil {
		t.Fatalf("good templates: %v", err)
	}
	for name, text := range map[string]string{
		"templates/pages/teams.html": `{{define "content"}}{{range .Teams}}{{end}`,
		"templates/layout.html":      `{{define "layout"}}{{nosuchfunc}}{{end}}`,
	} {
		broken := maps.Clone(good)
		broken[name] = &fstest.MapFile{Data: []byte(text)}
		if _, err := e.server.parseTemplates(broken); err == nil {
			t.Errorf("broken %s parsed without error", name)
		}
	}
	delete(good, "templates/pages/error.html")
	if _, err := e.server.parseTemplates(good); err == nil {
		t.Error("templates without an error page parsed without error")
	}
}

func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	e := setup(t)
	h := e.server.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("panic answered %d %q", w.Code, w.Body)
	}
}

func TestUnknownPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.get(e.client(), "/no/such/page")
	r.wantStatus(t, http.StatusNotFound)
	r.wantBody(t, "There is no page at /no/such/page")
}
