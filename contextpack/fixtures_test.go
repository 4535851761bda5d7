package contextpack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

func ref(name string) lore.TableRef {
	return lore.TableRef{Database: "dev", Schema: "tickit", Name: name}
}

func str(s string) *string { return &s }
func num(n int64) *int64   { return &n }

func col(name, typ string, nullable bool, desc, source string) Column {
	c := Column{Name: name, Type: typ, Nullable: nullable}
	if desc != "" {
		c.Description = Described{Text: desc, Source: source}
	}
	return c
}

func withProfile(c Column, min, max string, distinct int64, samples ...string) Column {
	p := &lore.ColumnProfile{DistinctEstimate: num(distinct), NullCount: num(0)}
	if min != "" {
		p.Min, p.Max = str(min), str(max)
	}
	p.Samples = samples
	c.Profile = p
	return c
}

// tickitTables returns the seven TICKIT tables as Lore would hold them after processing, with
// descriptions from dbt, warehouse comments, AI and the heuristic describer, and some profiles.
// TICKIT declares no keys; withFK adds the foreign key sales.eventid -> event.eventid.
func tickitTables(withFK bool) []Table {
	likes := func() []Column {
		var cs []Column
		for _, l := range []string{"sports", "theatre", "concerts", "jazz", "classical", "opera", "rock", "vegas", "broadway", "musicals"} {
			cs = append(cs, col("like"+l, "boolean", true, "Whether the user likes "+l+".", "heuristic"))
		}
		return cs
	}
	users := append([]Column{
		withProfile(col("userid", "integer", false, "Unique id of a user.", "dbt"), "1", "49990", 49990),
		withProfile(col("username", "char(8)", true, "Login name.", "dbt"), "", "", 49990, "JSG99FHE", "PGL08LJI"),
		col("firstname", "varchar(30)", true, "First name.", "dbt"),
		col("lastname", "varchar(30)", true, "Last name.", "dbt"),
		withProfile(col("city", "varchar(30)", true, "Home city of the user.", "ai"), "", "", 4300, "Kent", "Moultrie", "Hope"),
		withProfile(col("state", "char(2)", true, "Two-letter state code.", "ai"), "", "", 51, "WA", "CA", "NY"),
		col("email", "varchar(100)", true, "E-mail address.", "dbt"),
		col("phone", "char(14)", true, "Phone number.", "dbt"),
	}, likes()...)
	users[4].Description.Model = "gpt-4o-mini"
	users[4].Description.Stale = true
	tables := []Table{
		{ID: "t-users", Ref: ref("users"), Kind: "table", RowEstimate: 49990, Columns: users,
			Description: Described{Text: "Registered users of the TICKIT site: buyers and sellers, with their tastes.", Source: "dbt"}},
		{ID: "t-venue", Ref: ref("venue"), Kind: "table", RowEstimate: 202, Columns: []Column{
			withProfile(col("venueid", "smallint", false, "Unique id of a venue.", "dbt"), "1", "309", 202),
			withProfile(col("venuename", "varchar(100)", true, "Name of the venue.", "dbt"), "", "", 202, "Madison Square Garden", "Wrigley Field"),
			withProfile(col("venuecity", "varchar(30)", true, "City of the venue.", "dbt"), "", "", 120, "New York City", "Chicago"),
			col("venuestate", "char(2)", true, "State of the venue.", "dbt"),
			withProfile(col("venueseats", "integer", true, "Seats of the venue, 0 when unknown.", "comment"), "0", "91704", 90),
		}, Description: Described{Text: "Places where events take place.", Source: "comment"}},
		{ID: "t-category", Ref: ref("category"), Kind: "table", RowEstimate: 11, Columns: []Column{
			col("catid", "smallint", false, "Unique id of a category.", "dbt"),
			withProfile(col("catgroup", "varchar(10)", true, "Sports or Shows.", "dbt"), "", "", 2, "Sports", "Shows"),
			withProfile(col("catname", "varchar(10)", true, "Short name, e.g. NBA or Opera.", "dbt"), "", "", 11, "MLB", "NHL", "Opera"),
			col("catdesc", "varchar(50)", true, "Long name of the category.", "dbt"),
		}, Description: Described{Text: "Kinds of events, grouped into sports and shows.", Source: "dbt"}},
		{ID: "t-date", Ref: ref("date"), Kind: "table", RowEstimate: 365, Columns: []Column{
			col("dateid", "smallint", false, "Unique id of a calendar day.", "dbt"),
			withProfile(col("caldate", "date", false, "The calendar date.", "dbt"), "2008-01-01", "2008-12-31", 365),
			col("day", "character(3)", false, "Day of week, e.g. SU.", "heuristic"),
			col("week", "smallint", false, "Week number.", "heuristic"),
			col("month", "character(5)", false, "Month name, e.g. JUN.", "heuristic"),
			col("qtr", "character(5)", false, "Quarter, 1 to 4.", "heuristic"),
			col("year", "smallint", false, "Calendar year.", "heuristic"),
			col("holiday", "boolean", true, "Whether the day is a US holiday.", "heuristic"),
		}, Description: Described{Text: "One row per calendar day of 2008.", Source: "dbt"}},
		{ID: "t-event", Ref: ref("event"), Kind: "table", RowEstimate: 8798, Columns: []Column{
			withProfile(col("eventid", "integer", false, "Unique id of an event.", "dbt"), "1", "8798", 8798),
			col("venueid", "smallint", false, "Venue of the event.", "dbt"),
			col("catid", "smallint", false, "Category of the event.", "dbt"),
			col("dateid", "smallint", false, "Day of the event.", "dbt"),
			withProfile(col("eventname", "varchar(200)", true, "Name of the event, e.g. a show or band.", "dbt"), "", "", 576, "Mamma Mia!", "Wicked", "Jersey Boys"),
			withProfile(col("starttime", "timestamp", true, "When the event starts.", "dbt"), "2008-01-01 14:30:00", "2008-12-31 19:30:00", 8000),
		}, Description: Described{Text: "Events: single performances of a show or games, at a venue on a date.", Source: "dbt"}},
		{ID: "t-listing", Ref: ref("listing"), Kind: "table", RowEstimate: 192497, Columns: []Column{
			col("listid", "integer", false, "Unique id of a listing.", "dbt"),
			col("sellerid", "integer", false, "User who lists the tickets (users.userid).", "dbt"),
			col("eventid", "integer", false, "Event of the tickets.", "dbt"),
			col("dateid", "smallint", false, "Day the tickets were listed.", "dbt"),
			withProfile(col("numtickets", "smallint", false, "Tickets for sale.", "dbt"), "1", "30", 30),
			withProfile(col("priceperticket", "decimal(8,2)", true, "Fixed price of one ticket.", "dbt"), "20.00", "2500.00", 1500),
			col("totalprice", "decimal(8,2)", true, "numtickets times priceperticket.", "ai"),
			col("listtime", "timestamp", true, "When the listing was made.", "dbt"),
		}, Description: Described{Text: "Tickets offered for sale by sellers, one row per offer.", Source: "dbt"}},
		{ID: "t-sales", Ref: ref("sales"), Kind: "table", RowEstimate: 172456, Columns: []Column{
			col("salesid", "integer", false, "Unique id of a sale.", "dbt"),
			col("listid", "integer", false, "Listing the tickets were sold from.", "dbt"),
			col("sellerid", "integer", false, "User who sold the tickets (users.userid).", "dbt"),
			col("buyerid", "integer", false, "User who bought the tickets (users.userid).", "dbt"),
			col("eventid", "integer", false, "Event the tickets are for.", "dbt"),
			col("dateid", "smallint", false, "Day of the sale.", "dbt"),
			withProfile(col("qtysold", "smallint", false, "Number of tickets sold, 1 to 8.", "dbt"), "1", "8", 8),
			withProfile(col("pricepaid", "decimal(8,2)", true, "Total price paid for the tickets.", "dbt"), "20.00", "38208.00", 5000),
			withProfile(col("commission", "decimal(8,2)", true, "15% of pricepaid, kept by TICKIT.", "dbt"), "3.00", "5731.20", 5000),
			col("saletime", "timestamp", true, "When the sale was completed.", "dbt"),
		}, Description: Described{Text: "Ticket sales: one row per completed sale, with price and commission.", Source: "dbt"}},
	}
	if withFK {
		tables[6].ForeignKeys = []lore.ForeignKey{{Name: "sales_eventid_fkey", Columns: []string{"eventid"}, Ref: ref("event"), RefColumns: []string{"eventid"}}}
	}
	return tables
}

func tickitPersona() Persona {
	return Persona{
		ID: "p-1", Name: "Ticket sales analyst",
		Description:  "Answers questions about ticket sales, events and venues on TICKIT.",
		Instructions: "Revenue is sum(sales.pricepaid). Exclude events with no sales unless asked. Dates are in 2008.",
		Glossary: []Term{
			{Term: "GMV", Definition: "Gross merchandise value: total pricepaid of sales.", Keywords: []string{"revenue", "gross"}},
			{Term: "Sell-through", Definition: "Tickets sold divided by tickets listed.", Keywords: []string{"conversion"}},
		},
	}
}

// TestFixtureMatchesDDL checks the hand-written fixture against the shared TICKIT DDL, so the
// tests run on the real table and column names.
func TestFixtureMatchesDDL(t *testing.T) {
	t.Parallel()
	ddl, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "tickit", "postgres_ddl.sql"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	create := regexp.MustCompile(`(?s)create table (\w+)\((.*?)\);`)
	for _, m := range create.FindAllStringSubmatch(string(ddl), -1) {
		for _, line := range strings.Split(m[2], "\n") {
			if f := strings.Fields(strings.TrimSpace(line)); len(f) > 0 {
				want[m[1]] = append(want[m[1]], f[0])
			}
		}
	}
	if len(want) != 7 {
		t.Fatalf("found %d tables in the DDL, want 7", len(want))
	}
	for _, tb := range tickitTables(false) {
		var got []string
		for _, c := range tb.Columns {
			got = append(got, c.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[tb.Ref.Name]) {
			t.Errorf("%s columns = %v, DDL has %v", tb.Ref.Name, got, want[tb.Ref.Name])
		}
	}
}
