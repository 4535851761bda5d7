package warehouse

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/redshiftlocal"
)

// waitForStatus reports whether a statement whose SQL contains text reaches status within 5 s.
func waitForStatus(t *testing.T, e *redshiftlocal.TestEndpoint, status, text string) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, err := e.Client().ListStatements(context.Background(), &redshiftdata.ListStatementsInput{Status: types.StatusString(status)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.Statements {
			if strings.Contains(aws.ToString(s.QueryString), text) {
				return true
			}
		}
	}
	return false
}

func testRedshiftBrowse(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	c := openRS(t, rsConfig(e))
	ctx := context.Background()
	dbs := names(allPages(t, func(p PageRequest) (Page, error) { return c.Databases(ctx, p) }, 1000, e.Database))
	if len(dbs) != 1 || dbs[0] != e.Database {
		t.Errorf("databases matching %s: %v", e.Database, dbs)
	}
	schemas := names(allPages(t, func(p PageRequest) (Page, error) { return c.Schemas(ctx, e.Database, p) }, 3, ""))
	sort.Strings(schemas)
	want := append([]string{"public", "tickit"}, awSchemas...)
	sort.Strings(want)
	if strings.Join(schemas, ",") != strings.Join(want, ",") {
		t.Errorf("schemas %v, want %v", schemas, want)
	}
	tables := allPages(t, func(p PageRequest) (Page, error) { return c.Tables(ctx, e.Database, "tickit", p) }, 3, "")
	got := names(tables)
	sort.Strings(got)
	if strings.Join(got, ",") != "category,date,event,listing,sales,users,venue" || tables[0].Kind != lore.KindTable {
		t.Errorf("tickit tables %v", tables)
	}
	views := allPages(t, func(p PageRequest) (Page, error) { return c.Tables(ctx, e.Database, "hr", p) }, 100, "")
	if len(views) == 0 || views[0].Kind != lore.KindView {
		t.Errorf("hr views %+v", views)
	}
}

// testRedshiftCatalog reads TICKIT and AdventureWorks through the Data API and checks the
// result against the PostgreSQL connector's catalog of the same database.
func testRedshiftCatalog(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	c := openRS(t, rsConfig(e))
	pg := openPG(t, pgConfig(t, dbURL))
	ctx := context.Background()
	var sel Selection
	for _, s := range append([]string{"tickit"}, awSchemas...) {
		sel = append(sel, SelectionItem{Database: e.Database, Schema: s})
	}
	before := c.Stats()
	got, err := c.Catalog(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	after := c.Stats()
	want, err := pg.Catalog(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	if st := after.Statements - before.Statements; st < 5 || st > 6 {
		t.Errorf("catalog ran %d statements, want 5 or 6", st)
	}
	calls := after.APICalls - before.APICalls
	t.Logf("catalog of %d tables: %d Data API calls", len(got), calls)
	if calls > 60 {
		t.Errorf("catalog of %d tables made %d Data API calls", len(got), calls)
	}
	index := map[string]lore.TableMeta{}
	for _, tm := range got {
		index[tm.Ref.String()] = tm
	}
	if len(got) != len(want) {
		t.Errorf("Redshift catalog has %d tables, PostgreSQL %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := index[w.Ref.String()]
		if !ok {
			t.Errorf("%s missing", w.Ref)
			continue
		}
		if g.Kind != w.Kind || g.Comment != w.Comment || fmt.Sprint(g.PrimaryKey) != fmt.Sprint(w.PrimaryKey) ||
			len(g.ForeignKeys) != len(w.ForeignKeys) || len(g.Columns) != len(w.Columns) {
			t.Errorf("%s differs:\n got %+v\nwant %+v", w.Ref, g, w)
			continue
		}
		sortFKs(g.ForeignKeys)
		sortFKs(w.ForeignKeys)
		if fmt.Sprint(g.ForeignKeys) != fmt.Sprint(w.ForeignKeys) {
			t.Errorf("%s foreign keys: got %v, want %v", w.Ref, g.ForeignKeys, w.ForeignKeys)
		}
		for i, wc := range w.Columns {
			gc := g.Columns[i]
			gc.Type, wc.Type = "", ""
			if gc != wc {
				t.Errorf("%s column %d: got %+v, want %+v", w.Ref, i, gc, wc)
			}
		}
	}
	sales := index[e.Database+".tickit.sales"]
	if pp := findColumn(sales, "pricepaid"); pp.Type != "numeric(8,2)" {
		t.Errorf("tickit.sales.pricepaid type %q", pp.Type)
	}
	if fn := findColumn(index[e.Database+".tickit.users"], "firstname"); fn.Type != "character varying(30)" {
		t.Errorf("tickit.users.firstname type %q", fn.Type)
	}
	if v := index[e.Database+".tickit.venue"]; v.RowEstimate != 202 || v.SizeBytes <= 0 {
		t.Errorf("tickit.venue estimates: %d rows, %d bytes", v.RowEstimate, v.SizeBytes)
	}
}

func sortFKs(fks []lore.ForeignKey) {
	sort.Slice(fks, func(i, j int) bool { return fks[i].Name < fks[j].Name })
}

// testRedshiftRetries puts a proxy in front of the local endpoint that refuses the first
// ExecuteStatement calls with ActiveStatementsExceeded and throttles DescribeStatement once: the
// connector must retry both and still get the result.
func testRedshiftRetries(t *testing.T, dbURL string) {
	e := redshiftlocal.StartForTest(t, dbURL)
	var executes, describes atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(typ string) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-ErrorType", typ)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"message":"slow down"}`, typ)
		}
		switch r.Header.Get("X-Amz-Target") {
		case "RedshiftData.ExecuteStatement":
			if executes.Add(1) <= 2 {
				refuse("ActiveStatementsExceededException")
				return
			}
		case "RedshiftData.DescribeStatement":
			if describes.Add(1) <= 3 { // the SDK retries throttling up to 3 attempts itself
				refuse("ThrottlingException")
				return
			}
		}
		e.Server.Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()
	cfg := rsConfig(e)
	cfg.Settings["endpoint_url"] = proxy.URL
	rs, err := openRS(t, cfg).Query(context.Background(), `SELECT count(*) FROM tickit.venue`)
	if err != nil {
		t.Fatal(err)
	}
	if *rs.Rows[0][0] != "202" || executes.Load() != 3 || describes.Load() < 4 {
		t.Errorf("count %s after %d ExecuteStatement and %d DescribeStatement calls", *rs.Rows[0][0], executes.Load(), describes.Load())
	}
}
