package heuristic

import (
	"context"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
)

func str(v string) *string { return &v }
func num(v int64) *int64   { return &v }

func TestDescribeTICKITSales(t *testing.T) {
	t.Parallel()
	users := lore.TableRef{Schema: "tickit", Name: "users"}
	req := describe.Request{
		Table: lore.TableMeta{Ref: lore.TableRef{Database: "dev", Schema: "tickit", Name: "sales"}, PrimaryKey: []string{"salesid"},
			ForeignKeys: []lore.ForeignKey{{Columns: []string{"buyerid"}, Ref: users}, {Columns: []string{"sellerid"}, Ref: users},
				{Columns: []string{"listid"}, Ref: lore.TableRef{Schema: "tickit", Name: "listing"}}},
			RowEstimate: 172456},
		Columns: []describe.ColumnInput{
			{Name: "salesid", Type: "integer"}, {Name: "listid", Type: "integer"}, {Name: "sellerid", Type: "integer"},
			{Name: "eventid", Type: "integer"}, {Name: "dateid", Type: "smallint", Description: "From dbt."},
			{Name: "qtysold", Type: "smallint", Profile: &lore.ColumnProfile{Min: str("1"), Max: str("8"), NullCount: num(0)}},
			{Name: "pricepaid", Type: "numeric(8,2)"},
			{Name: "saletime", Type: "timestamp", Profile: &lore.ColumnProfile{Min: str("2008-01-01 01:00:00"), Max: str("2008-12-31 12:00:00")}},
			{Name: "catname", Type: "varchar(10)", Profile: &lore.ColumnProfile{Samples: []string{"MLB", "NHL", "Opera", "Pop"}}},
			{Name: "email", Type: "varchar(100)", Profile: &lore.ColumnProfile{Samples: []string{"ann@example.com"}}},
			{Name: "likesports", Type: "boolean"}, {Name: "is_active", Type: "boolean"}, {Name: "created_at", Type: "timestamptz"},
			{Name: "priceperticket", Type: "numeric(8,2)"}, {Name: "numtickets", Type: "smallint"}, {Name: "caldate", Type: "date"},
			{Name: "CustomerID", Type: "int"}, {Name: "last_name", Type: "varchar"},
		},
	}
	d := New()
	res, err := d.Describe(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "heuristic" || res.Source != describe.SourceHeuristic || res.Model != "" {
		t.Errorf("provenance: name %s, source %s, model %q; heuristic text must never look like AI", d.Name(), res.Source, res.Model)
	}
	if want := "Each row is one sale. Identified by salesid. Refers to tickit.users and tickit.listing. About 172,456 rows."; res.TableDescription != want {
		t.Errorf("table = %q\nwant    %q", res.TableDescription, want)
	}
	want := map[string]string{
		"salesid":        "Unique identifier of each sale.",
		"listid":         "Identifier of the list; refers to tickit.listing.",
		"sellerid":       "Identifier of the seller; refers to tickit.users.",
		"eventid":        "Identifier of the event.",
		"qtysold":        "Quantity sold. Between 1 and 8. Never empty.",
		"pricepaid":      "Price paid, a monetary amount.",
		"saletime":       "Date and time of the sale. From 2008-01-01 01:00:00 to 2008-12-31 12:00:00.",
		"catname":        "Name of the category. For example: MLB, NHL, Opera.",
		"email":          "E-mail address of the sale.",
		"likesports":     "Flag: like sports (true or false).",
		"is_active":      "Whether the sale is active.",
		"created_at":     "When the sale was created.",
		"priceperticket": "Price per ticket, a monetary amount.",
		"numtickets":     "Number of tickets.",
		"caldate":        "Calendar date.",
		"CustomerID":     "Identifier of the customer.",
		"last_name":      "Last name.",
	}
	for col, w := range want {
		if got := res.Columns[col]; got != w {
			t.Errorf("%s = %q, want %q", col, got, w)
		}
	}
	if _, ok := res.Columns["dateid"]; ok {
		t.Error("dateid has a description and must be left alone")
	}
	if strings.Contains(strings.Join(mapValues(res.Columns), " "), "ann@") {
		t.Error("a sensitive sample leaked into the text")
	}
}

func TestDescribeLayers(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"fct_order_items":        "Fact table of order items, one row per order item.",
		"stg_tickit__categories": "Staging view of categories, one row per category.",
		"dim_customers":          "Dimension table of customers, one row per customer.",
		"SalesOrderHeader":       "Each row is one sales order header.",
	} {
		res, err := New().Describe(context.Background(), describe.Request{Table: lore.TableMeta{Ref: lore.TableRef{Name: name}, RowEstimate: -1}})
		if err != nil || res.TableDescription != want {
			t.Errorf("%s: %q, %v; want %q", name, res.TableDescription, err, want)
		}
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"userid": "user id", "pricepaid": "price paid", "venueseats": "venue seats", "foobarid": "foobar id",
		"paid": "paid", "order_id": "order id", "xyzzy": "xyzzy", "starttime": "start time",
	} {
		if got := strings.Join(words(in, nil), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
