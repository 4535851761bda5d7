package redshiftlocal

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/lorehq/lore/internal/testpg"
)

func TestGetStatementResultPages(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t, func(c *Config) { c.PageBytes = 64 << 10 })
	id := e.execute(t, "select * from tickit.event order by eventid")
	e.wait(t, id)
	p := redshiftdata.NewGetStatementResultPaginator(e.client, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	pages, rows := 0, 0
	var last int64
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		rows += len(page.Records)
		if page.TotalNumRows != 8798 || len(page.ColumnMetadata) != 6 {
			t.Fatalf("page %d: TotalNumRows %d, %d columns", pages, page.TotalNumRows, len(page.ColumnMetadata))
		}
		for _, r := range page.Records {
			id := r[0].(*types.FieldMemberLongValue).Value
			if id <= last {
				t.Fatalf("eventid %d after %d: rows out of order across pages", id, last)
			}
			last = id
		}
	}
	if rows != 8798 || pages < 3 {
		t.Fatalf("read %d rows in %d pages, want 8798 in several", rows, pages)
	}
}

func TestTICKITTypesAndMetadata(t *testing.T) {
	t.Parallel()
	e := tickitEnv(t)
	rows, meta := e.run(t, `select d.dateid, d.caldate, d.day, d.holiday, e.eventname, e.starttime, e.eventid
		from tickit.date d join tickit.event e on e.dateid = d.dateid where e.eventid = 1000`)
	want := []struct {
		name, typ, schema, table string
		kind                     string
		nullable                 int32
	}{
		{"dateid", "int2", "tickit", "date", "long", 0},
		{"caldate", "date", "tickit", "date", "string", 0},
		{"day", "bpchar", "tickit", "date", "string", 0},
		{"holiday", "bool", "tickit", "date", "bool", 1},
		{"eventname", "varchar", "tickit", "event", "string", 1},
		{"starttime", "timestamp", "tickit", "event", "string", 1},
		{"eventid", "int4", "tickit", "event", "long", 0},
	}
	for i, w := range want {
		m := meta[i]
		if aws.ToString(m.Name) != w.name || aws.ToString(m.TypeName) != w.typ || aws.ToString(m.SchemaName) != w.schema ||
			aws.ToString(m.TableName) != w.table || m.Nullable != w.nullable || aws.ToString(m.Label) != w.name {
			t.Errorf("column %d metadata %s/%s %s.%s nullable %d, want %+v", i, aws.ToString(m.Name), aws.ToString(m.TypeName),
				aws.ToString(m.SchemaName), aws.ToString(m.TableName), m.Nullable, w)
		}
		if k := fieldKind(rows[0][i]); k != w.kind {
			t.Errorf("column %s is a %s field, want %s", w.name, k, w.kind)
		}
	}
	if s := rows[0][5].(*types.FieldMemberStringValue).Value; len(s) != 21 || s[19:] != ".0" {
		t.Errorf("timestamp rendered %q, want Redshift's yyyy-mm-dd hh:mm:ss.0", s)
	}
	if meta[4].Precision != 200 || !meta[4].IsCaseSensitive || meta[6].IsCaseSensitive || !meta[6].IsSigned || meta[6].Precision != 10 {
		t.Errorf("precision/flags: varchar(200) %d %v, int4 %d %v %v", meta[4].Precision, meta[4].IsCaseSensitive,
			meta[6].Precision, meta[6].IsCaseSensitive, meta[6].IsSigned)
	}
}

func TestScalarTypes(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t))
	rows, meta := e.run(t, `select 12.50::numeric(8,2) as n, 2.5::real as r, 'NaN'::float8 as nan, null::int as z,
		'\xdead'::bytea as b, true as t, 9223372036854775807::bigint as big, '2008-01-01 10:28:00+00'::timestamptz as tz,
		'20:00:00'::time as tm, 'abc'::text as txt, 12.5::money as m`)
	r := rows[0]
	checks := []struct {
		ok   bool
		what string
	}{
		{r[0].(*types.FieldMemberStringValue).Value == "12.50", "numeric as string 12.50"},
		{r[1].(*types.FieldMemberDoubleValue).Value == 2.5, "real as double"},
		{r[2].(*types.FieldMemberDoubleValue).Value != r[2].(*types.FieldMemberDoubleValue).Value, "NaN double"},
		{r[3].(*types.FieldMemberIsNull).Value, "null as isNull"},
		{string(r[4].(*types.FieldMemberBlobValue).Value) == "\xde\xad", "bytea as blob"},
		{r[5].(*types.FieldMemberBooleanValue).Value, "bool as boolean"},
		{r[6].(*types.FieldMemberLongValue).Value == 9223372036854775807, "bigint max as long"},
		{r[7].(*types.FieldMemberStringValue).Value == "2008-01-01 10:28:00+00", "timestamptz in UTC"},
		{r[8].(*types.FieldMemberStringValue).Value == "20:00:00", "time"},
		{aws.ToString(meta[9].TypeName) == "varchar", "text reported as varchar"},
		{aws.ToString(meta[0].TypeName) == "numeric" && meta[0].Precision == 8 && meta[0].Scale == 2, "numeric(8,2) metadata"},
		{meta[10].IsCurrency, "money isCurrency"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: failed (row %+v)", c.what, r)
		}
	}
}

// fieldKind names the Field union member of f.
func fieldKind(f types.Field) string {
	switch f.(type) {
	case *types.FieldMemberIsNull:
		return "null"
	case *types.FieldMemberLongValue:
		return "long"
	case *types.FieldMemberDoubleValue:
		return "double"
	case *types.FieldMemberBooleanValue:
		return "bool"
	case *types.FieldMemberBlobValue:
		return "blob"
	case *types.FieldMemberStringValue:
		return "string"
	}
	return fmt.Sprintf("%T", f)
}

// TestAdventureWorksTypes reads rows of every AdventureWorks table and view and checks that each
// cell decodes to the Field member its column type calls for.
func TestAdventureWorksTypes(t *testing.T) {
	t.Parallel()
	u := testpg.NewDatabase(t)
	testpg.LoadAdventureWorks(t, u, true)
	e := setup(t, u)
	tables, _ := e.run(t, `select table_schema, table_name from information_schema.tables
		where table_schema in ('humanresources', 'person', 'production', 'purchasing', 'sales') order by 1, 2`)
	if len(tables) < 60 {
		t.Fatalf("found %d AdventureWorks tables and views", len(tables))
	}
	kinds := map[string]string{"int2": "long", "int4": "long", "int8": "long", "float4": "double", "float8": "double",
		"bool": "bool", "bytea": "blob"}
	seen := map[string]bool{}
	for _, tb := range tables {
		schema, name := tb[0].(*types.FieldMemberStringValue).Value, tb[1].(*types.FieldMemberStringValue).Value
		rows, meta := e.run(t, fmt.Sprintf(`select * from %q.%q limit 20`, schema, name))
		for _, row := range rows {
			for i, f := range row {
				typ := aws.ToString(meta[i].TypeName)
				seen[typ] = true
				want := kinds[typ]
				if want == "" {
					want = "string"
				}
				if k := fieldKind(f); k != "null" && k != want {
					t.Errorf("%s.%s.%s (%s) is a %s field, want %s", schema, name, aws.ToString(meta[i].Name), typ, k, want)
				}
			}
		}
	}
	// bytea columns exist but hold no rows in the sample; TestScalarTypes covers bytea.
	for _, typ := range []string{"int2", "int4", "numeric", "varchar", "bpchar", "timestamp", "date", "bool", "uuid", "xml", "money"} {
		if !seen[typ] {
			t.Errorf("no %s column was read; the test no longer covers it", typ)
		}
	}
}

func TestResultSizeLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, testpg.NewDatabase(t), func(c *Config) { c.MaxResultBytes = 10_000 })
	d := e.wait(t, e.execute(t, "select generate_series(1, 5000)"))
	if d.Status != types.StatusStringFailed || !strings.Contains(aws.ToString(d.Error), "exceeded size limit") {
		t.Errorf("oversize result: %s %q, want FAILED with the size limit error", d.Status, aws.ToString(d.Error))
	}
	if rows, _ := e.run(t, "select generate_series(1, 10)"); len(rows) != 10 {
		t.Errorf("small result after a large one: %d rows", len(rows))
	}
}
