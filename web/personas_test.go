package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/contextpack"
	"github.com/lorehq/lore/internal/loretest"
)

// personaWorld is a Lore with TICKIT processed, teams Sales and Marketing with one member each,
// and a persona of three TICKIT tables shared with Sales.
type personaWorld struct {
	l         *loretest.Lore
	tables    map[string]int64 // TICKIT table name → id
	persona   *lore.Persona
	sales     *lore.User
	salesTok  string
	other     *lore.User
	otherTok  string
	salesTeam int64
}

// personaTables are the TICKIT tables of the test persona.
var personaTables = []string{"event", "venue", "users"}

func setupPersonas(t *testing.T) *personaWorld {
	t.Helper()
	ctx := context.Background()
	l := loretest.New(t, loretest.Options{})
	wh := loretest.TICKIT(t)
	conn, err := l.Service.CreateConnection(ctx, l.Admin, wh.Postgres)
	if err != nil {
		t.Fatalf("create connection: %v", err)
	}
	db := wh.Postgres.Config["database"]
	sel := lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit"}}}
	if _, err := l.Service.PutSelection(ctx, l.Admin, conn.ID, sel, false); err != nil {
		t.Fatalf("put selection: %v", err)
	}
	run, err := l.Service.Process(ctx, l.Admin, conn.ID)
	if err != nil {
		t.Fatalf("process: %v", err)
	}
	if run = l.WaitRun(t, run.ID, 3*time.Minute); run.Status != lore.StatusDone {
		t.Fatalf("run ended %s: %s", run.Status, run.Error)
	}
	ts, err := l.Service.ListTables(ctx, conn.ID, "", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := &personaWorld{l: l, tables: map[string]int64{}}
	for _, tb := range ts {
		w.tables[tb.Name] = tb.ID
	}
	w.sales, w.salesTok = l.CreateUser(t, "sam@example.com", false)
	w.other, w.otherTok = l.CreateUser(t, "mo@example.com", false)
	var team lore.Team
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/teams", map[string]any{"name": "Sales", "members": []string{w.sales.Email}}, &team); code != http.StatusCreated {
		t.Fatalf("create team Sales: %d", code)
	}
	w.salesTeam = team.ID
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/teams", map[string]any{"name": "Marketing", "members": []string{w.other.Email}}, nil); code != http.StatusCreated {
		t.Fatalf("create team Marketing: %d", code)
	}
	var ids []int64
	for _, name := range personaTables {
		id, ok := w.tables[name]
		if !ok {
			t.Fatalf("TICKIT table %s was not processed; got %v", name, w.tables)
		}
		ids = append(ids, id)
	}
	glossary := []map[string]any{{"term": "Event", "definition": "A show at a venue on a date.", "keywords": []string{"show", "concert"}}}
	for i := range 40 {
		glossary = append(glossary, map[string]any{"term": "Metric " + strconv.Itoa(i),
			"definition": "A made-up business metric that pads the glossary so a small budget must leave parts out.",
			"keywords":   []string{"metric", "kpi"}})
	}
	w.persona = &lore.Persona{}
	code := l.API(t, l.AdminToken, "POST", "/api/v1/personas", map[string]any{
		"name": "Sales analyst", "description": "Ticket sales and events.",
		"instructions": "Answer in SQL for PostgreSQL. Venues are in tickit.venue.",
		"table_ids":    ids, "team_ids": []int64{team.ID}, "glossary": glossary,
	}, w.persona)
	if code != http.StatusCreated || w.persona.ID == 0 {
		t.Fatalf("create persona: %d %+v", code, w.persona)
	}
	return w
}

// get sends a GET with a bearer token and returns the status, content type and body.
func get(t *testing.T, rawURL, token string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestPersonasEndToEnd runs the persona, context pack, portal and MCP checks on one processed
// TICKIT world, which is slow to build.
func TestPersonasEndToEnd(t *testing.T) {
	w := setupPersonas(t)
	t.Run("API", func(t *testing.T) { testPersonaAPI(t, w) })
	t.Run("Context", func(t *testing.T) { testPersonaContext(t, w) })
	t.Run("Pages", func(t *testing.T) { testPersonaPages(t, w) })
	t.Run("MCP", func(t *testing.T) { testMCP(t, w) })
	t.Run("RemovedTable", func(t *testing.T) { testRemovedTable(t, w) })
}

func testPersonaAPI(t *testing.T, w *personaWorld) {
	l, id := w.l, w.persona.ID
	path := "/api/v1/personas/" + strconv.FormatInt(id, 10)

	var list struct{ Personas []lore.Persona }
	if code := l.API(t, w.salesTok, "GET", "/api/v1/personas", nil, &list); code != 200 || len(list.Personas) != 1 || list.Personas[0].ID != id {
		t.Fatalf("sales member list: %d %+v", code, list)
	}
	list.Personas = nil
	if code := l.API(t, w.otherTok, "GET", "/api/v1/personas", nil, &list); code != 200 || len(list.Personas) != 0 {
		t.Fatalf("other member list: %d %+v", code, list)
	}
	var p lore.Persona
	if code := l.API(t, w.salesTok, "GET", path, nil, &p); code != 200 || p.Name != "Sales analyst" || len(p.TableIDs) != 3 || !slices.Contains(p.TeamIDs, w.salesTeam) {
		t.Fatalf("sales member get: %d %+v", code, p)
	}

	// Another team's member gets 403 whether or not the persona exists, with the same message.
	var e1, e2 struct {
		Error struct{ Code, Message string }
	}
	if code := l.API(t, w.otherTok, "GET", path, nil, &e1); code != http.StatusForbidden || e1.Error.Code != lore.EFORBIDDEN {
		t.Fatalf("other member get: %d %+v", code, e1)
	}
	if code := l.API(t, w.otherTok, "GET", "/api/v1/personas/99999", nil, &e2); code != http.StatusForbidden || e2.Error.Message != e1.Error.Message {
		t.Fatalf("other member get unknown: %d %+v vs %+v", code, e2, e1)
	}
	if strings.Contains(e1.Error.Message, "Sales analyst") {
		t.Fatalf("403 leaks the name: %q", e1.Error.Message)
	}
	if code, _, _ := get(t, l.URL+path+"/context", w.otherTok); code != http.StatusForbidden {
		t.Fatalf("other member context: %d", code)
	}
	// Admins get a plain 404 for an unknown persona.
	if code := l.API(t, l.AdminToken, "GET", "/api/v1/personas/99999", nil, nil); code != http.StatusNotFound {
		t.Fatalf("admin get unknown: %d", code)
	}

	// Members cannot manage personas.
	if code := l.API(t, w.salesTok, "PATCH", path, map[string]any{"name": "Mine"}, nil); code != http.StatusForbidden {
		t.Fatalf("member patch: %d", code)
	}
	if code := l.API(t, w.salesTok, "POST", "/api/v1/personas", map[string]any{"name": "Mine"}, nil); code != http.StatusForbidden {
		t.Fatalf("member create: %d", code)
	}
	// PATCH changes only what it names.
	var patched lore.Persona
	if code := l.API(t, l.AdminToken, "PATCH", path, map[string]any{"description": "Ticket sales, events and venues."}, &patched); code != 200 ||
		patched.Description != "Ticket sales, events and venues." || len(patched.TableIDs) != 3 || len(patched.Glossary) != len(w.persona.Glossary) {
		t.Fatalf("admin patch: %d %+v", code, patched)
	}

	// Bad input.
	bad := []struct {
		name string
		body any
		want int
	}{
		{"no name", map[string]any{"name": "  "}, 400},
		{"unknown table", map[string]any{"name": "X", "table_ids": []int64{987654}}, 400},
		{"glossary without definition", map[string]any{"name": "X", "glossary": []map[string]any{{"term": "t"}}}, 400},
		{"unknown field", map[string]any{"name": "X", "tables": []int64{1}}, 400},
	}
	for _, c := range bad {
		var e struct {
			Error struct{ Code, Message string }
		}
		if code := l.API(t, l.AdminToken, "POST", "/api/v1/personas", c.body, &e); code != c.want || e.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d with a message", c.name, code, e, c.want)
		}
	}

	// Create and delete a throwaway persona.
	var tmp lore.Persona
	if code := l.API(t, l.AdminToken, "POST", "/api/v1/personas", map[string]any{"name": "Temp"}, &tmp); code != 201 {
		t.Fatalf("create temp: %d", code)
	}
	tmpPath := "/api/v1/personas/" + strconv.FormatInt(tmp.ID, 10)
	if code := l.API(t, l.AdminToken, "DELETE", tmpPath, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code := l.API(t, l.AdminToken, "GET", tmpPath, nil, nil); code != http.StatusNotFound {
		t.Fatalf("get deleted: %d", code)
	}
}

func testPersonaContext(t *testing.T, w *personaWorld) {
	base := w.l.URL + "/api/v1/personas/" + strconv.FormatInt(w.persona.ID, 10) + "/context"

	code, ctype, md := get(t, base+"?format=markdown", w.salesTok)
	if code != 200 || !strings.HasPrefix(ctype, "text/markdown") {
		t.Fatalf("markdown: %d %s %s", code, ctype, md)
	}
	for _, name := range personaTables {
		if !strings.Contains(md, name) {
			t.Errorf("markdown pack lacks table %s", name)
		}
	}
	if !strings.Contains(md, "Answer in SQL for PostgreSQL") {
		t.Errorf("markdown pack lacks the instructions:\n%s", md)
	}

	code, ctype, js := get(t, base+"?format=json", w.salesTok)
	if code != 200 || !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("json: %d %s", code, ctype)
	}
	var full contextpack.Pack
	if err := json.Unmarshal([]byte(js), &full); err != nil {
		t.Fatalf("json pack does not decode: %v", err)
	}
	if len(full.Tables) != 3 || full.Persona.Name != "Sales analyst" || len(full.Omitted) != 0 {
		t.Fatalf("json pack: %d tables, persona %+v, omitted %+v", len(full.Tables), full.Persona, full.Omitted)
	}
	if full.Tokens <= 2000 {
		t.Fatalf("the unbudgeted pack has %d tokens; the budget check below needs more than 2000", full.Tokens)
	}

	// Within 2,000 tokens, in both renderings, saying what was left out.
	code, _, js = get(t, base+"?format=json&budget_tokens=2000", w.salesTok)
	var p contextpack.Pack
	if err := json.Unmarshal([]byte(js), &p); code != 200 || err != nil {
		t.Fatalf("budgeted json: %d %v %s", code, err, js)
	}
	if n, err := contextpack.CountTokens(js); err != nil || n > 2000 || p.Tokens > 2000 || p.Budget != 2000 || len(p.Omitted) == 0 {
		t.Fatalf("budgeted json pack: counted %d (%v), says %d tokens, budget %d, omitted %+v", n, err, p.Tokens, p.Budget, p.Omitted)
	}
	code, _, md = get(t, base+"?format=markdown&budget_tokens=2000&query="+url.QueryEscape("events at venues"), w.salesTok)
	if n, err := contextpack.CountTokens(md); code != 200 || err != nil || n > 2000 {
		t.Fatalf("budgeted markdown: %d, %d tokens (%v)", code, n, err)
	}
	if !strings.Contains(md, "left out") {
		t.Errorf("budgeted markdown does not say what was left out:\n%s", md)
	}

	for _, c := range []struct{ query, want string }{
		{"budget_tokens=5", "token"},
		{"budget_tokens=lots", "budget_tokens"},
		{"format=xml", "format"},
	} {
		code, _, body := get(t, base+"?"+c.query, w.salesTok)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", c.query, code, body, c.want)
		}
	}
	if code, _, _ := get(t, base, ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
}

// signIn returns a cookie-jar client signed in as email (loretest gives every user the same
// password) that does not follow redirects.
func signIn(t *testing.T, l *loretest.Lore, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(l.URL+"/login", url.Values{"email": {email}, "password": {loretest.AdminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", email, resp.StatusCode)
	}
	return c
}

// page GETs or POSTs (form != nil) a portal URL and returns the status, Location and body.
func page(t *testing.T, c *http.Client, rawURL string, form url.Values) (int, string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = c.PostForm(rawURL, form)
	} else {
		resp, err = c.Get(rawURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func testPersonaPages(t *testing.T, w *personaWorld) {
	l := w.l
	id := strconv.FormatInt(w.persona.ID, 10)
	admin, sales, other := signIn(t, l, l.Admin.Email), signIn(t, l, w.sales.Email), signIn(t, l, w.other.Email)

	if code, _, body := page(t, admin, l.URL+"/personas", nil); code != 200 || !strings.Contains(body, "Sales analyst") || !strings.Contains(body, `href="/personas/new"`) {
		t.Fatalf("admin list: %d", code)
	}
	if code, _, body := page(t, sales, l.URL+"/personas", nil); code != 200 || !strings.Contains(body, "Sales analyst") || strings.Contains(body, `href="/personas/new"`) {
		t.Fatalf("sales list: %d\n%s", code, body)
	}
	if code, _, body := page(t, other, l.URL+"/personas", nil); code != 200 || strings.Contains(body, "Sales analyst") {
		t.Fatalf("other list: %d", code)
	}

	code, _, body := page(t, sales, l.URL+"/personas/"+id, nil)
	if code != 200 || !strings.Contains(body, "Context for AI analysts") || !strings.Contains(body, `id="context-preview"`) ||
		!strings.Contains(body, "tickit.venue") || !strings.Contains(body, "Answer in SQL for PostgreSQL") {
		t.Fatalf("sales persona page: %d\n%s", code, body)
	}
	code, _, body = page(t, sales, l.URL+"/personas/"+id+"?budget_tokens=2000", nil)
	if code != 200 || !strings.Contains(body, "Left out to fit the budget") {
		t.Fatalf("persona page with budget 2000: %d", code)
	}
	code, _, body = page(t, sales, l.URL+"/personas/"+id+"?budget_tokens=5", nil)
	if code != 200 || !strings.Contains(body, `class="error-message"`) || strings.Contains(body, `id="context-preview"`) {
		t.Fatalf("persona page with a tiny budget: %d", code)
	}
	if code, _, _ := page(t, other, l.URL+"/personas/"+id, nil); code != http.StatusForbidden {
		t.Fatalf("other member persona page: %d", code)
	}
	if code, _, _ := page(t, sales, l.URL+"/personas/new", nil); code != http.StatusForbidden {
		t.Fatalf("member new form: %d", code)
	}

	// An admin creates, edits and deletes a persona through the forms.
	if code, _, body := page(t, admin, l.URL+"/personas/new", nil); code != 200 || !strings.Contains(body, "tickit.category") || !strings.Contains(body, "Sales") {
		t.Fatalf("new form: %d", code)
	}
	form := url.Values{"name": {"Venue desk"}, "instructions": {"Venues only."},
		"table_ids": {strconv.FormatInt(w.tables["venue"], 10)}, "team_ids": {strconv.FormatInt(w.salesTeam, 10)},
		"glossary": {"Seat | A place to sit | venueseats, capacity\n\nVenue | A place"}}
	code, loc, body := page(t, admin, l.URL+"/personas", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/personas/") {
		t.Fatalf("create form: %d %s\n%s", code, loc, body)
	}
	var made lore.Persona
	if c := l.API(t, l.AdminToken, "GET", "/api/v1"+loc, nil, &made); c != 200 || len(made.Glossary) != 2 ||
		!slices.Equal(made.Glossary[0].Keywords, []string{"venueseats", "capacity"}) || len(made.TableIDs) != 1 {
		t.Fatalf("created persona: %d %+v", c, made)
	}
	if code, _, body := page(t, admin, l.URL+loc+"/edit", nil); code != 200 || !strings.Contains(body, "Seat | A place to sit | venueseats, capacity") {
		t.Fatalf("edit form: %d", code)
	}
	form.Set("glossary", "Seat without definition")
	if code, _, body := page(t, admin, l.URL+loc, form); code != 400 || !strings.Contains(body, "Glossary line 1") || !strings.Contains(body, "Venue desk") {
		t.Fatalf("bad glossary: %d", code)
	}
	if code, _, _ := page(t, admin, l.URL+loc+"/delete", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("delete form: %d", code)
	}
}

// testRemovedTable deselects one of the persona's tables: the persona keeps it with a warning,
// and the context pack leaves it out and says so. It changes the world, so it runs last.
func testRemovedTable(t *testing.T, w *personaWorld) {
	l, ctx := w.l, context.Background()
	var conn struct{ Connections []lore.Connection }
	l.API(t, l.AdminToken, "GET", "/api/v1/connections", nil, &conn)
	if len(conn.Connections) != 1 {
		t.Fatalf("connections: %+v", conn)
	}
	cid := conn.Connections[0].ID
	sel, err := l.Service.GetSelection(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	db := sel.Include[0].Database
	keep := lore.Selection{}
	for _, name := range []string{"event", "venue", "category"} {
		keep.Include = append(keep.Include, lore.SelectionItem{Database: db, Schema: "tickit", Table: name})
	}
	if _, err := l.Service.PutSelection(ctx, l.Admin, cid, keep, true); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/personas/" + strconv.FormatInt(w.persona.ID, 10)
	var p lore.Persona
	if code := l.API(t, w.salesTok, "GET", path, nil, &p); code != 200 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "tickit.users") {
		t.Fatalf("persona after deselecting users: %d %+v", code, p)
	}
	var pack contextpack.Pack
	if code := l.API(t, w.salesTok, "GET", path+"/context?format=json", nil, &pack); code != 200 || len(pack.Tables) != 2 || len(pack.Warnings) == 0 {
		t.Fatalf("pack after deselecting users: %d, %d tables, warnings %v", code, len(pack.Tables), pack.Warnings)
	}
	code, _, body := page(t, signIn(t, l, w.sales.Email), l.URL+"/personas/"+strconv.FormatInt(w.persona.ID, 10), nil)
	if code != 200 || !strings.Contains(body, "persona-warnings") || !strings.Contains(body, "tickit.users") {
		t.Fatalf("persona page after deselecting users: %d", code)
	}
}
