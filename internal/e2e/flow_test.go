// Package e2e walks the whole product in a real browser: first-run admin, a Redshift connection
// to the local endpoint over TICKIT and AdventureWorks, selection and processing, table pages,
// Refresh after warehouse changes, a team and its persona, and a member reading its context.
package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/browsertest"
	"github.com/lorehq/lore/internal/loretest"
)

const (
	adminEmail  = "admin@example.com"
	memberEmail = "ana@example.com"
	personaName = "Box office analyst"
	// processTimeout bounds one processing run (about ten tables, two jobs each).
	processTimeout = 60 * time.Second
)

// tickitTables are the 7 tables of the TICKIT schema.
var tickitTables = []string{"category", "date", "event", "listing", "sales", "users", "venue"}

// selected is what the walk ticks: all of tickit and two AdventureWorks tables.
func selected() []string {
	var s []string
	for _, t := range tickitTables {
		s = append(s, "tickit."+t)
	}
	return append(s, "person.countryregion", "sales.salesterritory")
}

// TestFlow walks the product flow on the SQLite store, then on PostgreSQL. The two walks share
// one warehouse; each undoes its warehouse changes when it ends.
func TestFlow(t *testing.T) {
	if browsertest.Find() == "" {
		browsertest.Start(t) // skips, or fails when a browser is required
	}
	wh := loretest.TICKIT(t)
	for _, store := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(store.name, func(t *testing.T) {
			start := time.Now()
			b := browsertest.Start(t)
			l := loretest.New(t, loretest.Options{Postgres: store.postgres, NoAdmin: true})
			w := &walk{t: t, b: b, l: l, wh: wh, db: wh.Redshift.Config["database"]}
			t.Cleanup(w.undoChanges)
			t.Cleanup(w.writeShots)
			t.Logf("browser, Lore and warehouse ready in %s", time.Since(start).Round(time.Millisecond))
			w.step("01-first-run", w.firstRun)
			w.step("02-connect", w.connect)
			w.step("03-select", w.selectTables)
			w.step("04-process", w.process)
			w.step("05-table-pages", w.tablePages)
			w.step("06-refresh-new-table", w.refreshNewTable)
			w.step("07-refresh-dropped-column", w.refreshDroppedColumn)
			personaID := 0
			w.step("08-team-and-persona", func() { personaID = w.teamAndPersona() })
			w.step("09-member-reads-context", func() { w.memberReads(personaID) })
			var errs []string
			for _, m := range b.ConsoleErrors() {
				if !strings.Contains(m, "status of 403") { // the member's forbidden table page
					errs = append(errs, m)
				}
			}
			if len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("walk on %s took %s", store.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// firstRun creates the first administrator through the setup form.
func (w *walk) firstRun() {
	w.b.Do(chromedp.Navigate(w.l.URL+"/"), chromedp.WaitVisible(chromedp.CSS("form[action='/setup']")))
	if h := w.b.Text("h1"); h != "Set up Lore" {
		w.t.Fatalf("first page heading %q, want the setup form", h)
	}
	w.b.Do(chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), loretest.AdminPassword),
		chromedp.SendKeys(chromedp.CSS("#confirm"), loretest.AdminPassword),
		chromedp.Click(chromedp.CSS("form[action='/setup'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar")))
	if msg := w.b.Text(".flash"); !strings.Contains(msg, "Welcome to Lore") {
		w.t.Errorf("flash after setup %q", msg)
	}
	u, _, err := w.l.Store.FindUserByEmail(context.Background(), adminEmail)
	if err != nil || !u.IsAdmin() {
		w.t.Fatalf("the first user %+v (%v) is not an admin", u, err)
	}
	w.l.Admin = u
}

var connURL = regexp.MustCompile(`/connections/(\d+)$`)

// connect fills the Redshift form: a wrong secret fails Test Connection with a signature
// message, the right one passes, and Save Connection stores it.
func (w *walk) connect() {
	rs := w.wh.Redshift
	w.nav("/connections")
	if txt := w.textOf("main .empty"); !strings.Contains(txt, "No connections yet") {
		w.t.Errorf("Connect page before any connection: %q", txt)
	}
	w.b.Do(chromedp.Click(chromedp.CSS("main a[href='/connections/new']")), chromedp.WaitVisible(chromedp.CSS(".connect-stores")),
		chromedp.Click(chromedp.CSS("a[href='/connections/new?type=redshift']")), chromedp.WaitVisible(chromedp.CSS("#connection-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), rs.Name),
		chromedp.SendKeys(chromedp.CSS("#region"), rs.Config["region"]),
		chromedp.SendKeys(chromedp.CSS("#database"), rs.Config["database"]),
		chromedp.Click(chromedp.CSS("#target-cluster")),
		chromedp.SendKeys(chromedp.CSS("#cluster_identifier"), rs.Config["cluster_identifier"]),
		chromedp.SendKeys(chromedp.CSS("#db_user"), rs.Config["db_user"]),
		chromedp.Click(chromedp.CSS("#auth-keys")),
		chromedp.SendKeys(chromedp.CSS("#access_key_id"), rs.Secrets["access_key_id"]),
		chromedp.SendKeys(chromedp.CSS("#secret_access_key"), "wrong"+rs.Secrets["secret_access_key"]),
		chromedp.SendKeys(chromedp.CSS("#endpoint_url"), rs.Config["endpoint_url"]),
		chromedp.Click(chromedp.CSS("#connection-form button[hx-post]")),
		chromedp.WaitVisible(chromedp.CSS("#test-result .connect-result.failed")))
	if txt := w.b.Text("#test-result"); !strings.Contains(txt, "signature") || !strings.Contains(txt, "Connection failed") {
		w.t.Errorf("Test Connection with a wrong secret key says %q, want a failed signature check", txt)
	}
	eval[bool](w, `(document.getElementById("secret_access_key").value = "") === ""`)
	w.b.Do(chromedp.SendKeys(chromedp.CSS("#secret_access_key"), rs.Secrets["secret_access_key"]),
		chromedp.Click(chromedp.CSS("#connection-form button[hx-post]")),
		chromedp.WaitVisible(chromedp.CSS("#test-result .connect-result.ok")))
	txt := w.b.Text("#test-result")
	if !strings.Contains(txt, "Connection works") || !strings.Contains(txt, "tickit") {
		w.t.Errorf("Test Connection with the right keys says %q, want it to work and list the tickit schema", txt)
	}
	if n := w.count("#test-result .connect-check-failed"); n > 0 {
		w.t.Errorf("%d checks failed: %q", n, txt)
	}
	w.b.Do(chromedp.Click(chromedp.CSS("#connection-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	m := connURL.FindStringSubmatch(w.b.Location())
	if m == nil {
		w.t.Fatalf("Save Connection went to %s, want the connection's page", w.b.Location())
	}
	w.connID, _ = strconv.ParseInt(m[1], 10, 64)
	if html := eval[string](w, "document.documentElement.outerHTML"); strings.Contains(html, rs.Secrets["secret_access_key"]) {
		w.t.Error("the saved connection's page shows the secret access key")
	}
	c, err := w.l.Service.GetConnection(context.Background(), w.connID)
	if err != nil {
		w.t.Fatal(err)
	}
	if c.Type != lore.TypeRedshift || c.Config["endpoint_url"] != rs.Config["endpoint_url"] || c.Config["cluster_identifier"] != rs.Config["cluster_identifier"] {
		w.t.Errorf("stored connection %s %v, want the form's Redshift settings", c.Type, c.Config)
	}
}

// node is the CSS selector of a row of the metadata tree.
func (w *walk) node(level, schema, table string) string {
	sel := fmt.Sprintf(`#meta-tree .meta-node[data-level=%q][data-db=%q]`, level, w.db)
	if schema != "" {
		sel += fmt.Sprintf(`[data-schema=%q]`, schema)
	}
	if table != "" {
		sel += fmt.Sprintf(`[data-table=%q]`, table)
	}
	return sel
}

// open clicks the twisty of a tree row and waits for the row child to load.
func (w *walk) open(row, child string) {
	w.t.Helper()
	w.b.Do(chromedp.Click(chromedp.CSS(row+" > .twisty")), chromedp.WaitVisible(chromedp.CSS(child)))
}

// selectTables browses the tree (the database, the tickit schema and its 7 tables) and ticks
// tickit as a whole with future tables, plus two AdventureWorks tables.
func (w *walk) selectTables() {
	w.nav("/connections")
	if txt := w.textOf("#connections"); !strings.Contains(txt, w.wh.Redshift.Name) || !strings.Contains(txt, "Amazon Redshift") {
		w.t.Errorf("connections list %q", txt)
	}
	meta := fmt.Sprintf("/connections/%d/metadata", w.connID)
	dbRow := w.node("databases", "", "")
	w.b.Do(chromedp.Click(chromedp.CSS("#connections a[href='"+meta+"']")), chromedp.WaitVisible(chromedp.CSS(dbRow)))
	tickit := w.node("schemas", "tickit", "")
	w.open(dbRow, tickit)
	for _, s := range []string{"person", "sales"} {
		if w.count(w.node("schemas", s, "")) != 1 {
			w.t.Errorf("the tree lacks schema %s: %q", s, w.textOf("#meta-tree"))
		}
	}
	w.open(tickit, w.node("tables", "tickit", "category"))
	names := eval[[]string](w, `Array.from(document.querySelectorAll('#meta-tree .meta-node[data-level="tables"][data-schema="tickit"]')).map(function (n) { return n.dataset.table; })`)
	if slices.Sort(names); !slices.Equal(names, tickitTables) {
		w.t.Errorf("tickit shows tables %v, want %v", names, tickitTables)
	}
	w.b.Do(chromedp.Click(chromedp.CSS(tickit+" > label > .meta-pick")),
		chromedp.WaitVisible(chromedp.CSS(tickit+" > .meta-future")),
		chromedp.Click(chromedp.CSS(tickit+" > .meta-future > input")))
	for _, t := range [][2]string{{"person", "countryregion"}, {"sales", "salesterritory"}} {
		row := w.node("tables", t[0], t[1])
		w.open(w.node("schemas", t[0], ""), row)
		w.b.Do(chromedp.Click(chromedp.CSS(row + " .meta-pick")))
	}
	w.waitFor("the selection count", 5*time.Second,
		`document.getElementById("meta-count").textContent === "2 tables and 1 whole schema selected"`, "#meta-count")
	if !eval[bool](w, fmt.Sprintf(`document.querySelector(%q).checked`, tickit+" > .meta-future > input")) {
		w.t.Error("include future tables is not ticked")
	}
}
