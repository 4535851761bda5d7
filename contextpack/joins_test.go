package contextpack

import (
	"sort"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

func joinStrings(p *Pack) []string {
	var out []string
	for _, j := range p.Joins {
		kind := "declared"
		if j.Inferred {
			kind = "inferred"
		}
		out = append(out, j.From.Name+"."+strings.Join(j.From.Columns, ",")+"="+j.To.Name+"."+strings.Join(j.To.Columns, ",")+" "+kind)
	}
	sort.Strings(out)
	return out
}

func TestTICKITJoins(t *testing.T) {
	t.Parallel()
	want := []string{
		"event.catid=category.catid inferred",
		"event.dateid=date.dateid inferred",
		"event.venueid=venue.venueid inferred",
		"listing.dateid=date.dateid inferred",
		"listing.eventid=event.eventid inferred",
		"sales.dateid=date.dateid inferred",
		"sales.eventid=event.eventid inferred",
		"sales.listid=listing.listid inferred",
	}
	got := joinStrings(build(t, tickitPersona(), tickitTables(false), Options{}))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("joins without foreign keys:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A declared foreign key replaces the inferred join of the same columns.
	pack := build(t, tickitPersona(), tickitTables(true), Options{})
	got = joinStrings(pack)
	want[6] = "sales.eventid=event.eventid declared"
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("joins with a foreign key:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(pack.Markdown(), "- tickit.sales.eventid = tickit.event.eventid (declared foreign key sales_eventid_fkey)\n") {
		t.Errorf("Markdown does not show the declared join:\n%s", pack.Markdown())
	}
}

func TestInferredJoinRules(t *testing.T) {
	t.Parallel()
	tb := func(name string, pk []string, cols ...string) Table {
		t := Table{ID: name, Ref: lore.TableRef{Database: "db", Schema: "s", Name: name}, Kind: "table", RowEstimate: -1, PrimaryKey: pk}
		for _, c := range cols {
			n, typ, _ := strings.Cut(c, " ")
			t.Columns = append(t.Columns, Column{Name: n, Type: typ})
		}
		return t
	}
	for _, tc := range []struct {
		name   string
		tables []Table
		want   []string
	}{
		{"generic names never join", []Table{
			tb("customers", []string{"id"}, "id bigint", "name text", "created_at timestamp"),
			tb("orders", []string{"id"}, "id bigint", "name text", "created_at timestamp"),
		}, nil},
		{"primary key with a telling name", []Table{
			tb("customers", []string{"customer_id"}, "customer_id bigint", "name text"),
			tb("orders", []string{"order_id"}, "order_id bigint", "customer_id integer"),
		}, []string{"orders.customer_id=customers.customer_id inferred"}},
		{"incompatible types", []Table{
			tb("customers", []string{"customer_id"}, "customer_id bigint"),
			tb("orders", []string{"order_id"}, "order_id bigint", "customer_id varchar(20)"),
		}, nil},
		{"neither side a key", []Table{
			tb("listing", nil, "listid integer", "sellerid integer"),
			tb("sales", nil, "salesid integer", "sellerid integer"),
		}, nil},
		{"declared key elsewhere", []Table{
			tb("region", []string{"code"}, "code text", "region_name text"),
			tb("shop", []string{"shop_id"}, "shop_id int", "region_name text"),
		}, nil},
		{"one-to-one reported once", []Table{
			tb("users", []string{"user_id"}, "user_id int"),
			tb("user_settings", []string{"user_id"}, "user_id int", "theme text"),
		}, []string{"user_settings.user_id=users.user_id inferred"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := joinStrings(build(t, Persona{Name: "p"}, tc.tables, Options{}))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("joins = %q, want %q", got, tc.want)
			}
		})
	}
}
