package redshiftlocal

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

func TestCatalogOperations(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t)
	ctx := context.Background()
	db, cl, user := aws.String(e.ep.Database), aws.String(e.ep.Cluster), aws.String(e.ep.DbUser)
	e.do(t, `create table tickit.ven_ue (a int)`)
	e.do(t, `create view tickit.venue_v as select venueid from tickit.venue`)

	t.Run("ListDatabases", func(t *testing.T) {
		var dbs []string
		p := redshiftdata.NewListDatabasesPaginator(e.client, &redshiftdata.ListDatabasesInput{Database: db, ClusterIdentifier: cl, DbUser: user, MaxResults: 1})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Databases) > 1 {
				t.Fatalf("MaxResults 1 gave %d databases", len(page.Databases))
			}
			dbs = append(dbs, page.Databases...)
		}
		if !slices.Contains(dbs, e.ep.Database) || slices.Contains(dbs, "template0") {
			t.Errorf("ListDatabases = %v", dbs)
		}
	})

	t.Run("ListSchemas", func(t *testing.T) {
		out, err := e.client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{Database: db, ClusterIdentifier: cl, DbUser: user})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"information_schema", "pg_catalog", "public", "tickit"} {
			if !slices.Contains(out.Schemas, want) {
				t.Errorf("ListSchemas = %v, missing %s", out.Schemas, want)
			}
		}
		if slices.Contains(out.Schemas, sysSchema) || slices.Contains(out.Schemas, "pg_toast") {
			t.Errorf("ListSchemas shows internal schemas: %v", out.Schemas)
		}
		out, err = e.client.ListSchemas(ctx, &redshiftdata.ListSchemasInput{Database: db, ClusterIdentifier: cl, DbUser: user, SchemaPattern: aws.String("ti_k%")})
		if err != nil || !slices.Equal(out.Schemas, []string{"tickit"}) {
			t.Errorf("SchemaPattern ti_k%%: %v, %v", out.Schemas, err)
		}
	})

	t.Run("ListTables", func(t *testing.T) {
		out, err := e.client.ListTables(ctx, &redshiftdata.ListTablesInput{Database: db, ClusterIdentifier: cl, DbUser: user,
			SchemaPattern: aws.String("tickit"), TablePattern: aws.String("ven_%")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, tb := range out.Tables {
			got[aws.ToString(tb.Name)] = aws.ToString(tb.Type)
		}
		want := map[string]string{"venue": "TABLE", "ven_ue": "TABLE", "venue_v": "VIEW"}
		if len(got) != len(want) || got["venue"] != "TABLE" || got["ven_ue"] != "TABLE" || got["venue_v"] != "VIEW" {
			t.Errorf("TablePattern ven_%% = %v, want %v", got, want)
		}
		var all []types.TableMember
		p := redshiftdata.NewListTablesPaginator(e.client, &redshiftdata.ListTablesInput{Database: db, ClusterIdentifier: cl, DbUser: user, MaxResults: 100})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Tables...)
		}
		system := 0
		for _, tb := range all {
			if aws.ToString(tb.Type) == "SYSTEM TABLE" {
				system++
			}
		}
		if len(all) < 100 || system == 0 {
			t.Errorf("all tables: %d (%d system); want system tables included and several pages", len(all), system)
		}
	})

	t.Run("DescribeTable", func(t *testing.T) {
		// Exact match: "ven_ue" must not match "venue".
		out, err := e.client.DescribeTable(ctx, &redshiftdata.DescribeTableInput{Database: db, ClusterIdentifier: cl, DbUser: user,
			Schema: aws.String("tickit"), Table: aws.String("ven_ue")})
		if err != nil || len(out.ColumnList) != 1 || aws.ToString(out.TableName) != "ven_ue" {
			t.Fatalf("DescribeTable ven_ue: %+v, %v", out, err)
		}
		var cols []types.ColumnMetadata
		p := redshiftdata.NewDescribeTablePaginator(e.client, &redshiftdata.DescribeTableInput{Database: db, ClusterIdentifier: cl,
			DbUser: user, Schema: aws.String("tickit"), MaxResults: 10})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cols = append(cols, page.ColumnList...)
		}
		byName := map[string]types.ColumnMetadata{}
		for _, c := range cols {
			byName[aws.ToString(c.TableName)+"."+aws.ToString(c.Name)] = c
		}
		if len(cols) < 50 {
			t.Errorf("DescribeTable over schema tickit paged %d columns", len(cols))
		}
		vn := byName["venue.venuename"]
		if aws.ToString(vn.TypeName) != "varchar" || vn.Precision != 100 || vn.Length != 100 || vn.Nullable != 1 || aws.ToString(vn.SchemaName) != "tickit" {
			t.Errorf("venue.venuename: %+v", vn)
		}
		pp := byName["sales.pricepaid"]
		if aws.ToString(pp.TypeName) != "numeric" || pp.Precision != 8 || pp.Scale != 2 || !pp.IsSigned {
			t.Errorf("sales.pricepaid: %+v", pp)
		}
		id := byName["venue.venueid"]
		if aws.ToString(id.TypeName) != "int2" || id.Nullable != 0 {
			t.Errorf("venue.venueid: %+v", id)
		}
	})
}

// TestSystemViews runs the connector's kind of Redshift SQL unchanged.
func TestSystemViews(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t)
	e.do(t, `comment on table tickit.venue is 'Places'`)
	rows, _ := e.run(t, `select table_name, table_type, remarks from svv_all_tables where schema_name = 'tickit' order by table_name`)
	if len(rows) != 7 || rows[6][0].(*types.FieldMemberStringValue).Value != "venue" ||
		rows[6][2].(*types.FieldMemberStringValue).Value != "Places" {
		t.Errorf("svv_all_tables: %d rows, last %+v", len(rows), rows[len(rows)-1])
	}
	rows, _ = e.run(t, `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, ordinal_position
		from svv_all_columns where schema_name = 'tickit' and table_name = 'sales' order by ordinal_position`)
	if len(rows) != 10 {
		t.Fatalf("svv_all_columns for sales: %d rows", len(rows))
	}
	pp := rows[7]
	if pp[0].(*types.FieldMemberStringValue).Value != "pricepaid" || pp[1].(*types.FieldMemberStringValue).Value != "numeric" ||
		pp[3].(*types.FieldMemberLongValue).Value != 8 || pp[4].(*types.FieldMemberLongValue).Value != 2 {
		t.Errorf("svv_all_columns pricepaid: %+v", pp)
	}
	if first := rows[0]; first[1].(*types.FieldMemberStringValue).Value != "integer" || first[3].(*types.FieldMemberLongValue).Value != 32 ||
		first[5].(*types.FieldMemberStringValue).Value != "NO" {
		t.Errorf("svv_all_columns salesid: %+v", first)
	}
	rows, _ = e.run(t, `select schema_name from svv_all_schemas where schema_name = 'tickit'`)
	if len(rows) != 1 {
		t.Errorf("svv_all_schemas: %d rows for tickit", len(rows))
	}
	e.do(t, `analyze tickit.event`)
	rows, _ = e.run(t, `select "table", tbl_rows, size from svv_table_info where schema = 'tickit' order by "table"`)
	names := []string{}
	for _, r := range rows {
		names = append(names, r[0].(*types.FieldMemberStringValue).Value)
		if r[0].(*types.FieldMemberStringValue).Value == "event" && r[1].(*types.FieldMemberStringValue).Value != "8798" {
			t.Errorf("svv_table_info event tbl_rows = %v", r[1])
		}
	}
	if !slices.Equal(names, []string{"category", "date", "event", "venue"}) {
		t.Errorf("svv_table_info tables %v, want the four non-empty ones", names)
	}
	rows, _ = e.run(t, `select * from pg_get_late_binding_view_cols()
		cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)`)
	if len(rows) != 0 {
		t.Errorf("pg_get_late_binding_view_cols returned %d rows", len(rows))
	}
}
