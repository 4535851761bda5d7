package contextpack

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

// build builds a pack and checks the invariants every pack keeps: the token count is exact for
// the requested rendering and within the budget.
func build(t *testing.T, p Persona, tables []Table, opts Options) *Pack {
	t.Helper()
	pack, err := Build(p, tables, opts)
	if err != nil {
		t.Fatalf("Build(%+v): %v", opts, err)
	}
	text := pack.Markdown()
	if opts.Format == FormatJSON {
		b, err := pack.JSON()
		if err != nil {
			t.Fatal(err)
		}
		text = string(b)
	}
	if want := exactCount(t, text); pack.Tokens != want {
		t.Errorf("Tokens = %d, the %s rendering has %d", pack.Tokens, pack.Format, want)
	}
	if opts.BudgetTokens > 0 && pack.Tokens > opts.BudgetTokens {
		t.Errorf("Tokens = %d, over budget %d", pack.Tokens, opts.BudgetTokens)
	}
	return pack
}

// exactCount counts with the tokenizer directly, bypassing the chunking and cache of
// CountTokens.
func exactCount(t *testing.T, s string) int {
	t.Helper()
	c, err := loadCodec()
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Count(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFullPackMarkdown(t *testing.T) {
	t.Parallel()
	pack := build(t, tickitPersona(), tickitTables(false), Options{})
	md := pack.Markdown()
	for _, want := range []string{
		"# Ticket sales analyst\n",
		"## Instructions\nRevenue is sum(sales.pricepaid).",
		"All in database dev.",
		"### tickit.sales\ntable, about 172456 rows\nTicket sales: one row per completed sale, with price and commission. [dbt]\n",
		"- eventid integer not null: Event the tickets are for. [dbt]\n",
		"- pricepaid decimal(8,2): Total price paid for the tickets. [dbt]; range 20.00 to 38208.00; 5000 distinct\n",
		"- city varchar(30): Home city of the user. [ai gpt-4o-mini, stale]; 4300 distinct; e.g. 'Kent', 'Moultrie', 'Hope'\n",
		"- venueseats integer: Seats of the venue, 0 when unknown. [comment]",
		"- likejazz boolean: Whether the user likes jazz. [heuristic]\n",
		"## Joins\n",
		"- tickit.sales.eventid = tickit.event.eventid (inferred: same name and type; eventid is named after event)\n",
		"- tickit.event.catid = tickit.category.catid (inferred: same name and type; catid is the first column of category)\n",
		"## Glossary\n- **GMV**: Gross merchandise value: total pricepaid of sales. (keywords: revenue, gross)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q\n%s", want, md)
		}
	}
	for _, not := range []string{"## Left out", "## Warnings", "columns shown"} {
		if strings.Contains(md, not) {
			t.Errorf("Markdown of a pack without budget has %q", not)
		}
	}
	if len(pack.Tables) != 7 || len(pack.Omitted) != 0 || pack.Budget != 0 {
		t.Errorf("tables %d, omitted %v, budget %d; want 7, none, 0", len(pack.Tables), pack.Omitted, pack.Budget)
	}
	if pack.Tokenizer != "cl100k_base" || pack.Format != FormatMarkdown {
		t.Errorf("tokenizer %q format %q", pack.Tokenizer, pack.Format)
	}
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	full := build(t, tickitPersona(), tickitTables(false), Options{})
	prev := full.Tokens
	for _, budget := range []int{2000, 1500, 1000, 700, 450, 300} {
		pack := build(t, tickitPersona(), tickitTables(false), Options{BudgetTokens: budget})
		md := pack.Markdown()
		if pack.Tokens > prev {
			t.Errorf("budget %d: %d tokens, more than %d under a larger budget", budget, pack.Tokens, prev)
		}
		prev = pack.Tokens
		if full.Tokens <= budget {
			if len(pack.Omitted) != 0 || pack.Tokens != full.Tokens {
				t.Errorf("budget %d holds the full pack (%d tokens), yet it was trimmed to %d: %v", budget, full.Tokens, pack.Tokens, pack.Omitted)
			}
			continue
		}
		if len(pack.Omitted) == 0 || !strings.Contains(md, "## Left out\nLeast relevant parts were left out to fit budget_tokens="+strconv.Itoa(budget)) {
			t.Errorf("budget %d: trimmed pack does not say what it left out:\n%s", budget, md)
		}
		// A budget that leaves room should be used: the search stops within a few percent.
		if pack.Tokens < budget*80/100 && len(pack.Tables) > 1 {
			t.Errorf("budget %d: only %d tokens used", budget, pack.Tokens)
		}
		checkDropOrder(t, pack)
		// Instructions and the most relevant table always stay.
		if !strings.Contains(md, "Revenue is sum(sales.pricepaid)") || len(pack.Tables) == 0 {
			t.Errorf("budget %d lost the instructions or every table", budget)
		}
		// Joins only name tables and columns the pack shows.
		for _, j := range pack.Joins {
			for _, end := range []JoinEnd{j.From, j.To} {
				if !hasColumn(pack, end.TableRef, end.Columns[0]) {
					t.Errorf("budget %d: join %s names %s.%s, not in the pack", budget, j.Reason, end.TableRef, end.Columns[0])
				}
			}
		}
	}
}

// checkDropOrder checks that cheaper-to-lose parts went first: no samples while profiles are
// gone, no profiles while descriptions are gone, no column descriptions of non-key columns while
// whole tables are gone.
func checkDropOrder(t *testing.T, pack *Pack) {
	t.Helper()
	kinds := map[string]bool{}
	for _, o := range pack.Omitted {
		kinds[o.Kind] = true
		if o.Count <= 0 || o.What == "" || !strings.Contains(o.Why, "budget_tokens=") {
			t.Errorf("omission %+v lacks count, what or why", o)
		}
	}
	var samples, profiles bool
	for _, tb := range pack.Tables {
		for _, c := range tb.Columns {
			if c.Profile != nil && len(c.Profile.Samples) > 0 {
				samples = true
			}
			if c.Profile.hasProfile() {
				profiles = true
			}
		}
	}
	if samples && (kinds["profiles"] || kinds["column_descriptions"] || kinds["columns"] || kinds["tables"]) {
		t.Errorf("sample values kept while more relevant parts were dropped: %v", pack.Omitted)
	}
	if profiles && (kinds["column_descriptions"] || kinds["columns"] || kinds["tables"]) {
		t.Errorf("profiles kept while more relevant parts were dropped: %v", pack.Omitted)
	}
}

func hasColumn(p *Pack, ref lore.TableRef, name string) bool {
	for _, tb := range p.Tables {
		if tb.TableRef == ref {
			for _, c := range tb.Columns {
				if c.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func TestBudgetTooSmall(t *testing.T) {
	t.Parallel()
	_, err := Build(tickitPersona(), tickitTables(false), Options{BudgetTokens: 10})
	if lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("budget 10: error %v, want code invalid", err)
	}
	m := regexp.MustCompile(`^budget_tokens=10 is too small: .* needs (\d+) tokens; ask for at least (\d+)$`).FindStringSubmatch(err.Error())
	if m == nil || m[1] != m[2] {
		t.Fatalf("message %q does not say the smallest budget", err)
	}
	least, _ := strconv.Atoi(m[1])
	pack := build(t, tickitPersona(), tickitTables(false), Options{BudgetTokens: least})
	if len(pack.Tables) != 1 || pack.Persona.Name == "" || pack.Persona.Instructions == "" {
		t.Errorf("smallest pack: %d tables, persona %+v; want one table, name and instructions", len(pack.Tables), pack.Persona)
	}
	if _, err := Build(tickitPersona(), tickitTables(false), Options{BudgetTokens: least - 1}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("budget %d, one below the smallest: error %v", least-1, err)
	}
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{Format: "xml"}, {BudgetTokens: -5}} {
		_, err := Build(tickitPersona(), tickitTables(false), opts)
		if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(err.Error(), "; ") {
			t.Errorf("%+v: error %v, want invalid with advice", opts, err)
		}
	}
}

func TestRemovedTable(t *testing.T) {
	t.Parallel()
	tables := tickitTables(true)
	tables[4].Removed = true // event, the target of the declared foreign key
	pack := build(t, tickitPersona(), tables, Options{})
	if len(pack.Warnings) != 1 || !strings.Contains(pack.Warnings[0], "Table dev.tickit.event was dropped or deselected") {
		t.Fatalf("warnings = %q", pack.Warnings)
	}
	if !strings.Contains(pack.Markdown(), "## Warnings\n- Table dev.tickit.event was dropped or deselected in the warehouse") {
		t.Errorf("Markdown does not show the warning:\n%s", pack.Markdown())
	}
	for _, tb := range pack.Tables {
		if tb.Name == "event" {
			t.Errorf("removed table event is in the pack")
		}
	}
	for _, j := range pack.Joins {
		if j.From.Name == "event" || j.To.Name == "event" {
			t.Errorf("join %+v references the removed table", j)
		}
	}
	// The warning survives the tightest budget.
	_, err := Build(tickitPersona(), tables, Options{BudgetTokens: 5})
	m := regexp.MustCompile(`ask for at least (\d+)`).FindStringSubmatch(lore.ErrorMessage(err))
	if m == nil {
		t.Fatalf("budget 5: %v", err)
	}
	least, _ := strconv.Atoi(m[1])
	small := build(t, tickitPersona(), tables, Options{BudgetTokens: least})
	if len(small.Warnings) != 1 {
		t.Errorf("smallest pack lost the warning")
	}
}

func TestNoTables(t *testing.T) {
	t.Parallel()
	pack := build(t, Persona{ID: "p", Name: "Empty"}, nil, Options{BudgetTokens: 200})
	if len(pack.Tables) != 0 || len(pack.Warnings) != 1 || !strings.Contains(pack.Warnings[0], "no tables") {
		t.Errorf("pack = %+v", pack)
	}
}

func TestQueryRanksMatchesFirst(t *testing.T) {
	t.Parallel()
	plain := build(t, tickitPersona(), tickitTables(false), Options{})
	if plain.Tables[0].Name != "event" {
		t.Errorf("without a query the most joined table should lead, got %s", plain.Tables[0].Name)
	}
	pack := build(t, tickitPersona(), tickitTables(false), Options{Query: "Which venues have the most seats?", BudgetTokens: 700})
	if pack.Tables[0].Name != "venue" {
		t.Fatalf("query about venues: first table %s", pack.Tables[0].Name)
	}
	if !hasColumn(pack, ref("venue"), "venueseats") {
		t.Errorf("query about seats lost venueseats:\n%s", pack.Markdown())
	}
}

func TestQueryReachesTablesThroughGlossary(t *testing.T) {
	t.Parallel()
	// "revenue" is a keyword of the term GMV, defined as "total pricepaid of sales".
	pack := build(t, tickitPersona(), tickitTables(false), Options{Query: "revenue last year", BudgetTokens: 600})
	if pack.Tables[0].Name != "sales" || !hasColumn(pack, ref("sales"), "pricepaid") {
		t.Errorf("query about revenue: first table %s, pricepaid kept %v", pack.Tables[0].Name, hasColumn(pack, ref("sales"), "pricepaid"))
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatMarkdown, FormatJSON} {
		opts := Options{BudgetTokens: 900, Format: format}
		a := build(t, tickitPersona(), tickitTables(false), opts)
		tables := tickitTables(false)
		for i, j := 0, len(tables)-1; i < j; i, j = i+1, j-1 {
			tables[i], tables[j] = tables[j], tables[i]
		}
		b := build(t, tickitPersona(), tables, opts)
		ja, _ := a.JSON()
		jb, _ := b.JSON()
		if a.Markdown() != b.Markdown() || string(ja) != string(jb) {
			t.Errorf("%s: same input in another order gives another pack", format)
		}
	}
}
