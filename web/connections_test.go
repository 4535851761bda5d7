package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/loretest"
)

// connResp is a connection as the API returns it.
type connResp struct {
	ID         int64                           `json:"id"`
	Name       string                          `json:"name"`
	Type       string                          `json:"type"`
	Config     map[string]string               `json:"config"`
	Secrets    map[string]map[string]any       `json:"secrets"`
	ExternalID string                          `json:"external_id"`
	Error      *struct{ Code, Message string } `json:"error"`
}

// connTestResp is the answer of a test endpoint.
type connTestResp struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Name, Title, Message string
		OK, Skipped          bool
	} `json:"checks"`
	Schemas []string `json:"schemas"`
	Error   string   `json:"error"`
}

// get fetches path with c and returns status and body.
func connGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form with c and returns status and body.
func connPost(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConnectionsAPI(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	w := loretest.TICKIT(t)
	secret := w.Redshift.Secrets["secret_access_key"]

	var c connResp
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/connections", w.Redshift, &c); code != http.StatusCreated {
		t.Fatalf("create: status %d, %+v", code, c.Error)
	}
	if c.ID == 0 || c.Secrets["secret_access_key"]["set"] != true || c.ExternalID == "" {
		t.Fatalf("create: got %+v", c)
	}
	raw := connAPIRaw(t, l, "GET", fmt.Sprintf("/api/v1/connections/%d", c.ID))
	if strings.Contains(raw, secret) || !strings.Contains(raw, `"set":true`) {
		t.Fatalf("GET connection shows the secret or no state: %s", raw)
	}
	if list := connAPIRaw(t, l, "GET", "/api/v1/connections"); strings.Contains(list, secret) || !strings.Contains(list, "tickit-redshift") {
		t.Fatalf("list: %s", list)
	}

	// The HTML edit page never holds the secret value.
	b := l.Browser(t)
	code, page := connGet(t, b, fmt.Sprintf("%s/connections/%d", l.URL, c.ID))
	if code != http.StatusOK || strings.Contains(page, secret) || !strings.Contains(page, "leave blank to keep") {
		t.Fatalf("edit page: status %d, secret shown or no keep hint", code)
	}

	// PATCH with a blank secret keeps it: the saved connection still tests fine.
	var patched connResp
	patch := map[string]any{"name": "renamed", "secrets": map[string]string{"secret_access_key": ""}}
	if code := l.API(t, l.AdminToken, "PATCH", fmt.Sprintf("/api/v1/connections/%d", c.ID), patch, &patched); code != http.StatusOK {
		t.Fatalf("patch: status %d %+v", code, patched.Error)
	}
	if patched.Name != "renamed" || patched.Config["cluster_identifier"] != w.Endpoint.Cluster || patched.ExternalID != c.ExternalID {
		t.Fatalf("patch: got %+v", patched)
	}
	var tr connTestResp
	if code := l.API(t, l.AdminToken, "POST", fmt.Sprintf("/api/v1/connections/%d/test", c.ID), nil, &tr); code != http.StatusOK || !tr.OK {
		t.Fatalf("test saved: status %d, %+v", code, tr)
	}
	if len(tr.Checks) < 4 || !connContains(tr.Schemas, "tickit") {
		t.Fatalf("test saved: checks %+v schemas %v", tr.Checks, tr.Schemas)
	}

	// A draft with a wrong secret fails at the credentials check and saves nothing.
	bad := w.Redshift
	bad.Name = "draft"
	bad.Secrets = map[string]string{"access_key_id": w.Endpoint.AccessKeyID, "secret_access_key": "wrong" + secret}
	tr = connTestResp{}
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/connections/test", bad, &tr); code != http.StatusOK || tr.OK {
		t.Fatalf("draft wrong secret: status %d, %+v", code, tr)
	}
	if failed := connFirstFailed(tr); failed == nil || failed.Name != "credentials" ||
		!strings.Contains(strings.ToLower(failed.Message), "signature") || tr.Error == "" {
		t.Fatalf("draft wrong secret: first failed check %+v, error %q", failed, tr.Error)
	}
	if list := connAPIRaw(t, l, "GET", "/api/v1/connections"); strings.Contains(list, `"draft"`) {
		t.Fatalf("testing saved a connection: %s", list)
	}

	// PostgreSQL draft.
	tr = connTestResp{}
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/connections/test", w.Postgres, &tr); code != http.StatusOK || !tr.OK {
		t.Fatalf("postgres draft: status %d, %+v", code, tr)
	}

	// Browse: databases, then the tickit schema, then its 7 tables.
	var pg struct {
		Items []struct{ Name, Kind string } `json:"items"`
		Next  string                        `json:"next"`
	}
	base := fmt.Sprintf("/api/v1/connections/%d/databases", c.ID)
	if code := l.API(t, l.AdminToken, "GET", base, nil, &pg); code != http.StatusOK || !connHasItem(pg.Items, w.Endpoint.Database) {
		t.Fatalf("databases: status %d, %+v", code, pg)
	}
	dbPath := base + "/" + url.PathEscape(w.Endpoint.Database) + "/schemas"
	if code := l.API(t, l.AdminToken, "GET", dbPath+"?search=tick", nil, &pg); code != http.StatusOK || !connHasItem(pg.Items, "tickit") {
		t.Fatalf("schemas: status %d, %+v", code, pg)
	}
	if code := l.API(t, l.AdminToken, "GET", dbPath+"/tickit/tables", nil, &pg); code != http.StatusOK || len(pg.Items) != 7 || !connHasItem(pg.Items, "sales") {
		t.Fatalf("tables: status %d, %+v", code, pg)
	}
	if code := l.API(t, l.AdminToken, "GET", dbPath+"/tickit/tables?limit=3", nil, &pg); code != http.StatusOK || len(pg.Items) != 3 || pg.Next == "" {
		t.Fatalf("tables page 1: status %d, %+v", code, pg)
	}
	if code := l.API(t, l.AdminToken, "GET", dbPath+"?limit=zero", nil, nil); code != http.StatusBadRequest {
		t.Fatalf("bad limit: status %d", code)
	}

	// Delete.
	if code := l.API(t, l.AdminToken, "DELETE", fmt.Sprintf("/api/v1/connections/%d", c.ID), nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: status %d", code)
	}
	if code := l.API(t, l.AdminToken, "GET", fmt.Sprintf("/api/v1/connections/%d", c.ID), nil, nil); code != http.StatusNotFound {
		t.Fatalf("get deleted: status %d", code)
	}
}

func TestConnectionsAPIValidation(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	pgIn := lore.ConnectionInput{Name: "pg", Type: lore.TypePostgres,
		Config: map[string]string{"host": "127.0.0.1", "port": "5432", "database": "x", "user": "u"}}
	cases := []struct {
		name string
		body any
	}{
		{"unknown type", map[string]any{"name": "x", "type": "snowflake", "config": map[string]string{}}},
		{"missing name", map[string]any{"type": "postgres", "config": pgIn.Config}},
		{"external_id", map[string]any{"name": "x", "type": "postgres", "config": pgIn.Config, "external_id": "mine"}},
		{"external_id in config", map[string]any{"name": "x", "type": "redshift", "config": map[string]string{"external_id": "mine"}}},
		{"unknown secret", map[string]any{"name": "x", "type": "postgres", "config": pgIn.Config, "secrets": map[string]string{"token": "t"}}},
	}
	for _, tc := range cases {
		var out connResp
		if code := l.API(t, l.AdminToken, "POST", "/api/v1/connections", tc.body, &out); code != http.StatusBadRequest || out.Error == nil || out.Error.Message == "" {
			t.Errorf("%s: status %d, %+v", tc.name, code, out.Error)
		}
	}
	var created connResp
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/connections", pgIn, &created); code != http.StatusCreated {
		t.Fatalf("create: status %d %+v", code, created.Error)
	}
	if code := l.API(t, l.AdminToken, "PATCH", fmt.Sprintf("/api/v1/connections/%d", created.ID), map[string]any{"external_id": "x"}, nil); code != http.StatusBadRequest {
		t.Errorf("patch external_id: status %d", code)
	}

	_, memberToken := l.CreateUser(t, "member@example.com", false)
	if code := l.API(t, memberToken, "POST", "/api/v1/connections", pgIn, nil); code != http.StatusForbidden {
		t.Errorf("member create: status %d", code)
	}
	if code := l.API(t, memberToken, "POST", "/api/v1/connections/test", pgIn, nil); code != http.StatusForbidden {
		t.Errorf("member test: status %d", code)
	}
	if code := l.API(t, memberToken, "DELETE", fmt.Sprintf("/api/v1/connections/%d", created.ID), nil, nil); code != http.StatusForbidden {
		t.Errorf("member delete: status %d", code)
	}
	var list struct{ Connections []connResp }
	if code := l.API(t, memberToken, "GET", "/api/v1/connections", nil, &list); code != http.StatusOK || len(list.Connections) != 1 {
		t.Errorf("member list: status %d, %+v", code, list)
	}
}

func connAPIRaw(t *testing.T, l *loretest.Lore, method, path string) string {
	t.Helper()
	req, _ := http.NewRequest(method, l.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+l.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	return string(b)
}

func connFirstFailed(tr connTestResp) *struct {
	Name, Title, Message string
	OK, Skipped          bool
} {
	for i := range tr.Checks {
		if !tr.Checks[i].OK && !tr.Checks[i].Skipped {
			return &tr.Checks[i]
		}
	}
	return nil
}

func connHasItem(items []struct{ Name, Kind string }, name string) bool {
	for _, it := range items {
		if it.Name == name {
			return true
		}
	}
	return false
}

func connContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// connLogin returns a client signed in as email through the login form.
func connLogin(t *testing.T, l *loretest.Lore, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if code, _ := connPost(t, c, l.URL+"/login", url.Values{"email": {email}, "password": {loretest.AdminPassword}}); code != http.StatusOK {
		t.Fatalf("login %s: status %d", email, code)
	}
	return c
}

func TestConnectionsHTML(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	w := loretest.TICKIT(t)
	b := l.Browser(t)
	rs := w.Redshift
	secret := rs.Secrets["secret_access_key"]

	code, page := connGet(t, b, l.URL+"/connections/new")
	if code != http.StatusOK || !strings.Contains(page, "Snowflake") || !strings.Contains(page, "coming") || !strings.Contains(page, "/connections/new?type=redshift") {
		t.Fatalf("picker: status %d", code)
	}
	code, page = connGet(t, b, l.URL+"/connections/new?type=redshift")
	if code != http.StatusOK || !strings.Contains(page, "redshift-serverless:GetCredentials") || !strings.Contains(page, "mints it when you save") {
		t.Fatalf("redshift form: status %d", code)
	}

	form := url.Values{"type": {"redshift"}, "name": {"warehouse"}, "region": {rs.Config["region"]}, "database": {rs.Config["database"]},
		"target": {"cluster"}, "cluster_identifier": {rs.Config["cluster_identifier"]}, "db_user": {rs.Config["db_user"]},
		"workgroup_name": {"ignored-because-cluster"}, "auth": {"keys"}, "access_key_id": {rs.Secrets["access_key_id"]},
		"secret_access_key": {secret}, "endpoint_url": {rs.Config["endpoint_url"]}}
	code, page = connPost(t, b, l.URL+"/connections/test", form)
	if code != http.StatusOK || !strings.Contains(page, "Connection works") || !strings.Contains(page, "Credentials valid") || !strings.Contains(page, "tickit") {
		t.Fatalf("test draft: status %d: %s", code, page)
	}
	wrong := url.Values{}
	for k, v := range form {
		wrong[k] = v
	}
	wrong.Set("secret_access_key", "not-the-key")
	if code, page = connPost(t, b, l.URL+"/connections/test", wrong); code != http.StatusOK || !strings.Contains(page, "Connection failed") || !strings.Contains(strings.ToLower(page), "signature") {
		t.Fatalf("test wrong key: status %d: %s", code, page)
	}

	// Save, then the edit page: no secret value, the minted ExternalId shown.
	code, page = connPost(t, b, l.URL+"/connections", form)
	if code != http.StatusOK || !strings.Contains(page, `Connection &#34;warehouse&#34; saved.`) || strings.Contains(page, secret) {
		t.Fatalf("save: status %d", code)
	}
	cs, err := l.Service.ListConnections(t.Context())
	if err != nil || len(cs) != 1 {
		t.Fatalf("connections %v, %v", cs, err)
	}
	c := cs[0]
	if c.Config["workgroup_name"] != "" || !strings.Contains(page, c.ExternalID) {
		t.Fatalf("saved %+v; edit page lacks the external id", c.Config)
	}

	// Edit with blank secrets keeps them; testing the edit form uses the stored ones.
	form.Set("name", "warehouse2")
	form.Del("access_key_id")
	form.Del("secret_access_key")
	edit := fmt.Sprintf("%s/connections/%d", l.URL, c.ID)
	if code, page = connPost(t, b, edit+"/test", form); code != http.StatusOK || !strings.Contains(page, "Connection works") {
		t.Fatalf("test stored: status %d: %s", code, page)
	}
	if code, page = connPost(t, b, edit, form); code != http.StatusOK || !strings.Contains(page, "warehouse2") {
		t.Fatalf("update: status %d", code)
	}
	if rep, err := l.Service.TestConnection(t.Context(), c.ID); err != nil || !rep.OK {
		t.Fatalf("saved connection after edit: %+v %v", rep, err)
	}

	// A member sees the list only.
	l.CreateUser(t, "member@example.com", false)
	m := connLogin(t, l, "member@example.com")
	if code, page = connGet(t, m, l.URL+"/connections"); code != http.StatusOK || !strings.Contains(page, "warehouse2") || strings.Contains(page, "New connection") {
		t.Fatalf("member list: status %d", code)
	}
	for _, p := range []string{"/connections/new", fmt.Sprintf("/connections/%d", c.ID)} {
		if code, _ = connGet(t, m, l.URL+p); code != http.StatusForbidden {
			t.Errorf("member GET %s: status %d", p, code)
		}
	}
	if code, _ = connPost(t, m, l.URL+"/connections/test", form); code != http.StatusForbidden {
		t.Errorf("member test: status %d", code)
	}

	// Delete asks first, then deletes.
	if code, page = connGet(t, b, edit+"/delete"); code != http.StatusOK || !strings.Contains(page, "Delete connection") {
		t.Fatalf("confirm: status %d", code)
	}
	if code, page = connPost(t, b, edit+"/delete", nil); code != http.StatusOK || !strings.Contains(page, "No connections yet") {
		t.Fatalf("delete: status %d", code)
	}
}

func jsonInto(t *testing.T, body string, v any) error {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Errorf("decode %.200s: %v", body, err)
		return err
	}
	return nil
}
