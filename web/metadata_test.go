package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/loretest"
)

// metaWorld is a running Lore with a Redshift connection to the TICKIT + AdventureWorks warehouse.
type metaWorld struct {
	*loretest.Lore
	wh     *loretest.Warehouse
	connID int64
	db     string
}

func setupMetadata(t *testing.T) *metaWorld {
	t.Helper()
	l := loretest.New(t, loretest.Options{})
	wh := loretest.TICKIT(t)
	conn, err := l.Service.CreateConnection(context.Background(), l.Admin, wh.Redshift)
	if err != nil {
		t.Fatalf("create connection: %v", err)
	}
	return &metaWorld{Lore: l, wh: wh, connID: conn.ID, db: wh.Redshift.Config["database"]}
}

// path formats a URL path with the connection id first.
func (m *metaWorld) path(format string, args ...any) string {
	return fmt.Sprintf(format, append([]any{m.connID}, args...)...)
}

// metaGet fetches a page with the signed-in browser client and returns its status and body.
func metaGet(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// process runs Save and Process through the API and waits for the run to end.
func (m *metaWorld) process(t *testing.T) *lore.Run {
	t.Helper()
	var started struct {
		RunID int64 `json:"run_id"`
	}
	if st := m.API(t, m.AdminToken, "POST", m.path("/api/v1/connections/%d/process"), nil, &started); st != http.StatusAccepted || started.RunID == 0 {
		t.Fatalf("process: status %d, run %d", st, started.RunID)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var run lore.Run
		if st := m.API(t, m.AdminToken, "GET", fmt.Sprintf("/api/v1/runs/%d", started.RunID), nil, &run); st != http.StatusOK {
			t.Fatalf("get run: status %d", st)
		}
		if run.Status != lore.StatusQueued && run.Status != lore.StatusRunning {
			return &run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s: %+v", run.ID, run.Status, run.Counts)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tableNames lists the processed tables through the API as db.schema.name.
func (m *metaWorld) tableNames(t *testing.T) ([]string, []*lore.Table) {
	t.Helper()
	var out struct {
		Tables []*lore.Table `json:"tables"`
	}
	if st := m.API(t, m.AdminToken, "GET", m.path("/api/v1/connections/%d/tables?limit=1000"), nil, &out); st != http.StatusOK {
		t.Fatalf("list tables: status %d", st)
	}
	var names []string
	for _, tb := range out.Tables {
		if !tb.Removed {
			names = append(names, tb.Schema+"."+tb.Name)
		}
	}
	slices.Sort(names)
	return names, out.Tables
}

func TestMetadataSelectProcessRefresh(t *testing.T) {
	t.Parallel()
	m := setupMetadata(t)
	browser := m.Browser(t)

	// The tree: databases, then one schema's tables as a page of rows.
	if st, body := metaGet(t, browser, m.URL+m.path("/connections/%d/metadata")); st != 200 || !strings.Contains(body, `id="meta-tree"`) {
		t.Fatalf("metadata page: %d %s", st, body)
	}
	st, body := metaGet(t, browser, m.URL+m.path("/connections/%d/metadata/tree"))
	if st != 200 || !strings.Contains(body, `data-db="`+m.db+`"`) {
		t.Fatalf("databases level: %d %s", st, body)
	}
	st, body = metaGet(t, browser, m.URL+m.path("/connections/%d/metadata/tree?db=%s&schema=tickit", m.db))
	if st != 200 || strings.Count(body, `data-table="`) != 7 || !strings.Contains(body, `data-table="sales"`) || strings.Contains(body, "meta-more") {
		t.Fatalf("tickit tables level: %d %s", st, body)
	}
	_, body = metaGet(t, browser, m.URL+m.path("/connections/%d/metadata/tree?db=%s&schema=tickit&search=SAL&part=items", m.db))
	if strings.Count(body, `data-table="`) != 1 {
		t.Fatalf("filter SAL: %s", body)
	}

	sel := map[string]any{"include": []lore.SelectionItem{
		{Database: m.db, Schema: "tickit"},
		{Database: m.db, Schema: "humanresources", Table: "department"},
		{Database: m.db, Schema: "person", Table: "address"},
	}}
	if st := m.API(t, m.AdminToken, "PUT", m.path("/api/v1/connections/%d/selection"), sel, nil); st != http.StatusOK {
		t.Fatalf("put selection: status %d", st)
	}
	var got lore.Selection
	m.API(t, m.AdminToken, "GET", m.path("/api/v1/connections/%d/selection"), nil, &got)
	if len(got.Include) != 9 {
		t.Fatalf("selection back: %+v", got)
	}

	run := m.process(t)
	if run.Status != lore.StatusDone || run.Counts.Failed != 0 {
		t.Fatalf("run ended %s: %+v %+v", run.Status, run.Counts, run.Tables)
	}
	want := []string{"humanresources.department", "person.address", "tickit.category", "tickit.date", "tickit.event",
		"tickit.listing", "tickit.sales", "tickit.users", "tickit.venue"}
	names, tables := m.tableNames(t)
	if !slices.Equal(names, want) {
		t.Fatalf("processed tables %v, want %v", names, want)
	}
	if st, body := metaGet(t, browser, m.URL+m.path("/connections/%d/metadata/run")); st != 200 || !strings.Contains(body, "profile: done") || strings.Contains(body, "every 1s") {
		t.Fatalf("panel after the run: %d %s", st, body)
	}
	for _, tb := range tables {
		if tb.Name == "sales" {
			checkTable(t, m, browser, tb.ID)
		}
	}

	// Deselecting processed tables needs a confirmation.
	only := map[string]any{"include": []lore.SelectionItem{{Database: m.db, Schema: "tickit", FutureTables: true}}}
	var conflict struct {
		WouldRemove []string `json:"would_remove"`
	}
	if st := m.API(t, m.AdminToken, "PUT", m.path("/api/v1/connections/%d/selection"), only, &conflict); st != http.StatusConflict || len(conflict.WouldRemove) != 2 {
		t.Fatalf("deselect without confirm: status %d, %v", st, conflict.WouldRemove)
	}
	if names, _ := m.tableNames(t); len(names) != 9 {
		t.Fatalf("a refused deselect removed tables: %v", names)
	}
	if st := m.API(t, m.AdminToken, "PUT", m.path("/api/v1/connections/%d/selection?confirm=true"), only, nil); st != http.StatusOK {
		t.Fatalf("deselect with confirm: status %d", st)
	}
	if names, _ := m.tableNames(t); len(names) != 7 {
		t.Fatalf("after deselect: %v", names)
	}

	// A table created in the warehouse shows up as added on Refresh (tickit follows future tables).
	pg, err := pgx.Connect(context.Background(), m.wh.PostgresURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.Background())
	if _, err := pg.Exec(context.Background(), "CREATE TABLE tickit.promo (promoid int PRIMARY KEY, label text)"); err != nil {
		t.Fatal(err)
	}
	var refreshed struct {
		RunID int64     `json:"run_id"`
		Diff  lore.Diff `json:"diff"`
	}
	if st := m.API(t, m.AdminToken, "POST", m.path("/api/v1/connections/%d/refresh"), nil, &refreshed); st != http.StatusOK {
		t.Fatalf("refresh: status %d", st)
	}
	if len(refreshed.Diff.Added) != 1 || !strings.HasSuffix(refreshed.Diff.Added[0], "tickit.promo") {
		t.Fatalf("refresh diff: %+v", refreshed.Diff)
	}
	m.WaitRun(t, refreshed.RunID, 2*time.Minute)
	if names, _ := m.tableNames(t); !slices.Contains(names, "tickit.promo") {
		t.Fatalf("promo not processed: %v", names)
	}
}
