package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// metaPage is the metadata page of the walk's connection.
func (w *walk) metaPage() string { return fmt.Sprintf("/connections/%d/metadata", w.connID) }

// process presses Save and Process Metadata, watches the panel fill until both jobs are done
// for every table, and cross-checks the store.
func (w *walk) process() {
	if p := w.panel(); p.Run != "" || !strings.Contains(p.Text, "No run yet") {
		w.t.Errorf("the panel before the first run shows %q", p.Text)
	}
	w.b.Do(chromedp.WaitEnabled(chromedp.CSS("#meta-save")), chromedp.Click(chromedp.CSS("#meta-save")))
	want := selected()
	w.waitFor("the save message", 30*time.Second,
		`document.getElementById("meta-message").textContent.indexOf("Saved: 2 tables and 1 whole schema selected. Run ") === 0`, "#meta-message")
	p, live := w.waitRun("process", "", processTimeout)
	if live == 0 {
		w.t.Error("the panel never showed the run while it was active: it does not fill live")
	}
	w.t.Logf("the panel showed the active run %d times before it ended", live)
	w.checkAllDone(p, want)
	w.checkStored(want)

	// Reloaded, the page lists the processed tables and keeps the selection.
	w.b.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".meta-tables")))
	if n := w.count(".meta-tables tbody tr"); n != len(want) {
		w.t.Errorf("the processed tables list has %d rows, want %d", n, len(want))
	}
	for _, name := range want {
		if w.count(fmt.Sprintf(".meta-tables a[href='/tables/%d']", w.tables[name])) != 1 {
			w.t.Errorf("the processed tables list lacks %s", name)
		}
	}
	w.waitFor("the stored selection", 10*time.Second,
		`document.getElementById("meta-count").textContent === "2 tables and 1 whole schema selected"`, "#meta-count")
}

// tablePage opens a processed table from the metadata page.
func (w *walk) tablePage(name string) {
	w.t.Helper()
	// The tree loads after the page and pushes the list down: click once it is there.
	w.b.Do(chromedp.Navigate(w.l.URL+w.metaPage()), chromedp.WaitVisible(chromedp.CSS(w.node("databases", "", ""))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(".meta-tables a[href='/tables/%d']", w.tables[name]))),
		chromedp.WaitVisible(chromedp.CSS("#table-view")))
	if _, table, _ := strings.Cut(name, "."); w.b.Text("main h1") != table {
		w.t.Errorf("table page heading %q, want %s", w.b.Text("main h1"), table)
	}
}

// tablePages checks descriptions with their sources and profiles on two table pages.
func (w *walk) tablePages() {
	// TICKIT has no comments: heuristic descriptions, and profiles of its 11 rows.
	w.tablePage("tickit.category")
	if w.count(".table-desc .badge.src-heuristic") != 1 || strings.Contains(w.textOf(".table-desc"), "No description yet") {
		w.t.Errorf("category's description %q, want a heuristic one", w.textOf(".table-desc"))
	}
	if txt := w.textOf("#table-view > p.muted"); !strings.Contains(txt, "11 rows") {
		w.t.Errorf("category's summary %q, want 11 rows", txt)
	}
	catid := w.textOf("#col-catid")
	if !strings.Contains(catid, "smallint") || !strings.Contains(catid, "not null") || !strings.Contains(catid, "min") ||
		!strings.Contains(catid, "max") || !strings.Contains(catid, "profiled") || w.count("#col-catid .badge.src-heuristic") != 1 {
		w.t.Errorf("column catid shows %q, want its type, a heuristic description and a profile", catid)
	}
	if txt := w.textOf("#col-catname .profile"); !strings.Contains(txt, "distinct") {
		w.t.Errorf("catname's profile %q", txt)
	}

	// AdventureWorks comments are the descriptions; keys show.
	w.tablePage("sales.salesterritory")
	if w.count(".table-desc .badge.src-comment") != 1 || !strings.Contains(w.textOf(".table-desc"), "Sales territory lookup table.") {
		w.t.Errorf("salesterritory's description %q, want the table comment", w.textOf(".table-desc"))
	}
	if txt := w.textOf("#col-territoryid"); !strings.Contains(txt, "PK") || !strings.Contains(txt, "Primary key for SalesTerritory records.") {
		w.t.Errorf("territoryid shows %q, want PK and its comment", txt)
	}
	if txt := w.textOf("#col-countryregioncode"); !strings.Contains(txt, "FK →") || !strings.Contains(txt, "countryregion") ||
		w.count("#col-countryregioncode .badge.src-comment") != 1 {
		w.t.Errorf("countryregioncode shows %q, want a foreign key to countryregion and a comment description", txt)
	}
	if n := w.count("#table-view td.profile"); n == 0 {
		w.t.Error("salesterritory has no profile cells")
	}
}

// refresh presses Refresh and waits until the change report contains marker.
func (w *walk) refresh(marker string) (diff string, prev string) {
	w.t.Helper()
	w.b.Do(chromedp.Navigate(w.l.URL+w.metaPage()), chromedp.WaitVisible(chromedp.CSS("#run-panel")))
	prev = w.panel().Run
	w.b.Do(chromedp.Click(chromedp.CSS(".meta-toolbar button[hx-post$='/metadata/refresh']")))
	w.waitFor("the Refresh report", 30*time.Second,
		fmt.Sprintf(`document.getElementById("meta-diff").innerText.indexOf(%q) >= 0`, marker), "#meta-diff")
	return w.textOf("#meta-diff"), prev
}

// refreshNewTable creates a table in tickit (selected with future tables): Refresh reports it
// as new and processes it.
func (w *walk) refreshNewTable() {
	w.exec(`CREATE TABLE tickit.promo (promoid integer PRIMARY KEY, promoname varchar(40) NOT NULL, startdate date)`,
		`COMMENT ON TABLE tickit.promo IS 'Ticket promotions.'`,
		`COMMENT ON COLUMN tickit.promo.promoname IS 'Name shown to buyers.'`,
		`INSERT INTO tickit.promo VALUES (1, 'Spring sale', '2008-03-01'), (2, 'Summer sale', '2008-06-01')`)
	diff, prev := w.refresh("promo")
	if !strings.Contains(diff, "New tables (1)") || strings.Contains(diff, "Changed tables") || strings.Contains(diff, "Dropped tables") {
		w.t.Errorf("Refresh after a new table reports %q, want exactly one new table", diff)
	}
	p, _ := w.waitRun("refresh", prev, processTimeout)
	w.checkAllDone(p, []string{"tickit.promo"})
	w.checkStored(append(selected(), "tickit.promo"))
	w.tablePage("tickit.promo")
	if w.count(".table-desc .badge.src-comment") != 1 || w.count("#col-promoid .badge-admin") != 1 || !strings.Contains(w.textOf("#col-promoname .profile"), "Spring sale") {
		w.t.Errorf("the new table's page shows %q, want its comment, key and profile", w.textOf("#table-view"))
	}
}

// refreshDroppedColumn drops a column in the warehouse: Refresh reports the change and
// processes that table again.
func (w *walk) refreshDroppedColumn() {
	w.exec(`ALTER TABLE tickit.venue DROP COLUMN venueseats`)
	diff, prev := w.refresh("venueseats")
	if !strings.Contains(diff, "Changed tables (1)") || !strings.Contains(diff, "columns dropped: venueseats") || strings.Contains(diff, "New tables") {
		w.t.Errorf("Refresh after a dropped column reports %q, want venue changed", diff)
	}
	p, _ := w.waitRun("refresh", prev, processTimeout)
	w.checkAllDone(p, []string{"tickit.venue"})
	w.checkStored(append(selected(), "tickit.promo"))
}

var personaURL = regexp.MustCompile(`/personas/(\d+)$`)

// teamAndPersona creates a team with a member on the Teams page and a persona for it.
func (w *walk) teamAndPersona() int {
	w.l.CreateUser(w.t, memberEmail, false)
	w.nav("/teams")
	w.b.Do(chromedp.SendKeys(chromedp.CSS("#name"), "Box office"),
		chromedp.SendKeys(chromedp.CSS("#members"), memberEmail),
		chromedp.Click(chromedp.CSS("form[action='/teams'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	if txt := w.textOf("main table.table"); !strings.Contains(txt, "Box office") || !strings.Contains(txt, memberEmail) {
		w.t.Errorf("teams table %q, want the new team with its member", txt)
	}

	w.nav("/personas")
	w.b.Do(chromedp.Click(chromedp.CSS("#new-persona")), chromedp.WaitVisible(chromedp.CSS(".persona-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), personaName),
		chromedp.SendKeys(chromedp.CSS("#description"), "Answers questions about ticket sales."),
		chromedp.SendKeys(chromedp.CSS("#instructions"), "Amounts are in US dollars."),
		chromedp.SendKeys(chromedp.CSS("#glossary"), "Event | A show at a venue on a date | performance"))
	for _, name := range []string{"tickit.category", "tickit.event", "tickit.venue", "sales.salesterritory"} {
		w.b.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf("input[name=table_ids][value='%d']", w.tables[name]))))
	}
	if n := w.count("input[name=team_ids]"); n != 1 {
		w.t.Fatalf("the persona form offers %d teams, want 1", n)
	}
	w.b.Do(chromedp.Click(chromedp.CSS("input[name=team_ids]")),
		chromedp.Click(chromedp.CSS(".persona-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#context-preview")))
	m := personaURL.FindStringSubmatch(w.b.Location())
	if m == nil || w.b.Text("main h1") != personaName {
		w.t.Fatalf("after Create persona: %s, heading %q", w.b.Location(), w.b.Text("main h1"))
	}
	w.checkContext()
	id, _ := strconv.Atoi(m[1])
	return id
}

// checkContext checks the persona page's context preview holds the persona's tables and
// instructions.
func (w *walk) checkContext() {
	w.t.Helper()
	ctx := w.textOf("#context-preview")
	for _, s := range []string{"category", "event", "venue", "salesterritory", "Amounts are in US dollars.", "Sales territory lookup table.", "A show at a venue on a date"} {
		if !strings.Contains(ctx, s) {
			w.t.Errorf("the context preview lacks %q:\n%s", s, ctx)
		}
	}
	if strings.Contains(ctx, "venueseats") {
		w.t.Errorf("the context preview still has the dropped column venueseats")
	}
	if txt := w.textOf("#pack-stats"); !strings.Contains(txt, "4 tables") {
		w.t.Errorf("pack stats %q, want 4 tables", txt)
	}
}

// memberReads signs in as the team's member, who reads the persona's context and a table of
// it, and is refused a table outside it.
func (w *walk) memberReads(personaID int) {
	w.b.Do(chromedp.Click(chromedp.CSS("#logout")))
	w.signIn(memberEmail)
	if w.count(".sidebar a[href='/connections']") == 0 {
		w.t.Log("the member's sidebar has no Connect link")
	}
	w.nav("/personas")
	w.b.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf("main a[href='/personas/%d']", personaID))), chromedp.WaitVisible(chromedp.CSS("#context-preview")))
	w.checkContext()
	if w.count(fmt.Sprintf("a[href='/personas/%d/edit']", personaID)) != 0 {
		w.t.Error("a member is offered Edit persona")
	}
	w.b.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf("main a[href='/tables/%d']", w.tables["tickit.category"]))), chromedp.WaitVisible(chromedp.CSS("#table-view")))
	if w.count(".table-desc .badge.src-heuristic") != 1 || w.count("#table-view form") != 0 {
		w.t.Errorf("the member's table page %q, want the description and no edit forms", w.textOf("#table-view"))
	}
	w.b.Do(chromedp.Navigate(fmt.Sprintf("%s/tables/%d", w.l.URL, w.tables["tickit.listing"])), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := w.b.Text("main h1"); !strings.HasPrefix(h, "403") || w.count("#table-view") != 0 {
		w.t.Errorf("a member opening a table outside their personas sees %q, want 403", h)
	}
}
