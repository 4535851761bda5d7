package dbt

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

func readArtifact(t *testing.T, project, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "dbt", project, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func node(t *testing.T, p *Project, id string) *Node {
	t.Helper()
	for _, n := range p.Nodes {
		if n.UniqueID == id {
			return n
		}
	}
	t.Fatalf("no node %s", id)
	return nil
}

// warehouseTables lists the tables of schema in a real PostgreSQL database.
func warehouseTables(t *testing.T, url, schema string) []lore.TableRef {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(),
		`SELECT current_database(), table_schema, table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 3`, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []lore.TableRef
	for rows.Next() {
		var r lore.TableRef
		if err := rows.Scan(&r.Database, &r.Schema, &r.Name); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseTICKITRedshift(t *testing.T) {
	t.Parallel()
	p, err := Parse(readArtifact(t, "tickit_redshift", "manifest.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.SchemaVersion != 12 || p.AdapterType != "redshift" || p.Name != "analytics" || p.HasCatalog {
		t.Errorf("project = %+v", p)
	}
	counts := map[string]int{}
	for _, n := range p.Nodes {
		counts[n.ResourceType]++
	}
	if counts[TypeModel] != 15 || counts[TypeSource] != 7 || counts[TypeSnapshot] != 1 {
		t.Errorf("counts = %v, want 15 models, 7 sources, 1 snapshot", counts)
	}
	sales := node(t, p, "source.analytics.tickit.sales")
	if sales.Relation() != "sample_data_dev.tickit.sales" || sales.Description != "Ticket sale transactions" {
		t.Errorf("sales = %+v", sales)
	}
	fct := node(t, p, "model.analytics.fct_sales")
	if c, ok := fct.Column("FCT_SALE_SK"); !ok || c.DataType != "varchar" {
		t.Errorf("fct_sales.fct_sale_sk = %+v, %v", c, ok)
	}
	if fct.Columns[0].Name != "fct_sale_sk" {
		t.Errorf("first column = %s, want manifest order", fct.Columns[0].Name)
	}
	if err := p.CheckWarehouse(lore.DialectRedshift); err != nil {
		t.Error(err)
	}
	if err := p.CheckWarehouse(lore.DialectPostgres); err != nil {
		t.Error(err)
	}
}

func TestMatchTICKITOnPostgres(t *testing.T) {
	t.Parallel()
	url := testpg.NewDatabase(t)
	testpg.LoadTICKIT(t, url)
	tables := warehouseTables(t, url, "tickit")
	if len(tables) != 7 {
		t.Fatalf("tickit tables = %v", tables)
	}
	p, err := Parse(readArtifact(t, "tickit_redshift", "manifest.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The dbt sources name database sample_data_dev; the test database has another name.
	res, err := p.Match(tables, MatchOptions{})
	if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(err.Error(), `7 match by schema and table name`) ||
		!strings.Contains(err.Error(), "sample_data_dev") {
		t.Fatalf("strict match err = %v", err)
	}
	if len(res.Matched) != 0 || len(res.Undocumented) != 7 {
		t.Errorf("strict result = %+v", res)
	}
	res, err = p.Match(tables, MatchOptions{IgnoreDatabase: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matched) != 7 || len(res.Undocumented) != 0 {
		t.Fatalf("matched %d, undocumented %v", len(res.Matched), res.Undocumented)
	}
	for ref, n := range res.Matched {
		if n.ResourceType != TypeSource || !strings.EqualFold(n.Identifier, ref.Name) {
			t.Errorf("%s matched %s", ref, n.UniqueID)
		}
		if ref.Name == "listing" && n.Description != "Active ticket listings" {
			t.Errorf("listing description = %q", n.Description)
		}
	}
	if len(res.Unmatched) != 16 || !contains(res.Unmatched, "model analytics.marts.fct_sales") {
		t.Errorf("unmatched = %d %v", len(res.Unmatched), res.Unmatched)
	}
}

func TestJaffleShopWithCatalog(t *testing.T) {
	t.Parallel()
	p, err := Parse(readArtifact(t, "jaffle_shop_snowflake", "manifest.json"), readArtifact(t, "jaffle_shop_snowflake", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasCatalog || p.AdapterType != "snowflake" {
		t.Errorf("project = %+v", p)
	}
	err = p.CheckWarehouse(lore.DialectRedshift)
	if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(err.Error(), "snowflake adapter") {
		t.Errorf("CheckWarehouse = %v", err)
	}
	orders := node(t, p, "model.jaffle_shop.stg_order_items")
	if len(orders.Columns) == 0 || orders.Columns[0].Name != "order_item_id" || orders.Columns[0].DataType != "TEXT" ||
		!strings.HasPrefix(orders.Columns[0].Description, "The unique key for each order") {
		t.Errorf("stg_order_items columns = %+v", orders.Columns)
	}
	// Seed raw.raw_customers and source ecom.raw_customers are one relation: merged, the
	// source's description kept.
	seed := node(t, p, "seed.jaffle_shop.raw_customers")
	if len(seed.Also) != 1 || seed.Also[0] != "source.jaffle_shop.ecom.raw_customers" ||
		!strings.HasPrefix(seed.Description, "One record per person") {
		t.Errorf("raw_customers = %+v", seed)
	}
	tables := []lore.TableRef{
		{Database: "fy26_task_force_ichikawa", Schema: "streamlit_test", Name: "ORDERS"},
		{Database: "FY26_TASK_FORCE_ICHIKAWA", Schema: "RAW", Name: "raw_customers"},
		{Database: "FY26_TASK_FORCE_ICHIKAWA", Schema: "RAW", Name: "not_in_dbt"},
	}
	res, err := p.Match(tables, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Matched[tables[0]]; n == nil || n.UniqueID != "model.jaffle_shop.orders" {
		t.Errorf("ORDERS matched %v", n)
	}
	if n := res.Matched[tables[1]]; n == nil || n != seed {
		t.Errorf("raw_customers matched %v", n)
	}
	if len(res.Undocumented) != 1 || res.Undocumented[0] != tables[2] {
		t.Errorf("undocumented = %v", res.Undocumented)
	}
	_, err = p.Match([]lore.TableRef{{Database: "dev", Schema: "tickit", Name: "sales"}}, MatchOptions{IgnoreDatabase: true})
	if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(err.Error(), "another warehouse") {
		t.Errorf("match of foreign tables err = %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	manifest := readArtifact(t, "tickit_redshift", "manifest.json")
	catalog := readArtifact(t, "jaffle_shop_snowflake", "catalog.json")
	withVersion := func(v string) []byte {
		return bytes.Replace(manifest, []byte("/dbt/manifest/v12.json"), []byte(v), 1)
	}
	tests := []struct {
		name              string
		manifest, catalog []byte
		want              string
	}{
		{"not json", []byte("<html>dbt docs</html>"), nil, "not valid JSON"},
		{"truncated", manifest[:5000], nil, "not valid JSON"},
		{"json array", []byte(`[1, 2]`), nil, "not a dbt artifact"},
		{"no version", []byte(`{"nodes": {}}`), nil, "no metadata.dbt_schema_version"},
		{"v3", withVersion("/dbt/manifest/v3.json"), nil, "schema v3"},
		{"v13", withVersion("/dbt/manifest/v13.json"), nil, "Lore reads v4 to v12"},
		{"catalog as manifest", catalog, nil, "is a dbt catalog, not a manifest"},
		{"manifest as catalog", manifest, manifest, "is a dbt manifest"},
		{"bad catalog", manifest, []byte("{"), "catalog.json is not valid JSON"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.manifest, tt.catalog)
		if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want EINVALID containing %q", tt.name, err, tt.want)
		}
	}
	for _, v := range []string{"v4", "v8", "v11"} {
		if _, err := Parse(withVersion("/dbt/manifest/"+v+".json"), nil); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestParseMinimalV4(t *testing.T) {
	t.Parallel()
	m := `{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json", "adapter_type": "postgres"},
	"nodes": {
	  "model.p.a": {"unique_id": "model.p.a", "resource_type": "model", "name": "a", "database": "db", "schema": "s", "alias": "a_alias",
	    "description": " A ", "columns": {"z": {"name": "z", "description": "Z"}, "b": {"name": "b"}}, "config": {"materialized": "table"}},
	  "model.p.eph": {"resource_type": "model", "name": "eph", "schema": "s", "config": {"materialized": "ephemeral"}},
	  "model.p.off": {"resource_type": "model", "name": "off", "schema": "s", "config": {"enabled": false}},
	  "test.p.t": {"resource_type": "test", "name": "t", "schema": "s"}},
	"sources": {"source.p.x.y": {"resource_type": "source", "name": "y", "database": null, "schema": "x", "identifier": "y_tbl"}}}`
	p, err := Parse([]byte(m), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 2 {
		t.Fatalf("nodes = %+v", p.Nodes)
	}
	a := node(t, p, "model.p.a")
	if a.Identifier != "a_alias" || a.Description != "A" || len(a.Columns) != 2 || a.Columns[0].Name != "z" {
		t.Errorf("a = %+v", a)
	}
	res, err := p.Match([]lore.TableRef{{Database: "other", Schema: "X", Name: "Y_TBL"}}, MatchOptions{})
	if err != nil || len(res.Matched) != 1 {
		t.Errorf("a source without database matches any database: %+v, %v", res, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": {"model.a.b": {"resource_type": "model", "name": "b", "schema": "s", "columns": {"c": {"name": "c"}}}}}`), []byte(nil))
	f.Add([]byte(`{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json"}, "sources": {"s": {"resource_type": "source", "name": "x", "schema": "s", "identifier": "X"}}}`),
		[]byte(`{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}, "sources": {"s": {"metadata": {"schema": "s", "name": "X"}, "columns": {"A": {"type": "int", "index": 1}}}}}`))
	f.Add([]byte(`{"metadata": {"dbt_schema_version": 12}}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, manifest, catalog []byte) {
		p, err := Parse(manifest, catalog)
		if err != nil {
			if lore.ErrorCode(err) != lore.EINVALID {
				t.Fatalf("error without EINVALID code: %v", err)
			}
			return
		}
		for _, n := range p.Nodes {
			if n.Identifier == "" || n.Schema == "" {
				t.Fatalf("node without relation: %+v", n)
			}
			_, _ = p.Match([]lore.TableRef{{Database: n.Database, Schema: n.Schema, Name: n.Identifier}}, MatchOptions{})
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
