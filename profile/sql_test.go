package profile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

// goldenMeta has one column of each kind, a hostile name and a column switched off for samples.
var goldenMeta = lore.TableMeta{
	Ref:  lore.TableRef{Database: "dev", Schema: "tickit", Name: `sa"les`},
	Kind: lore.KindTable,
	Columns: []lore.ColumnMeta{
		{Name: "salesid", Type: "integer"},
		{Name: "pricepaid", Type: "numeric(8,2)"},
		{Name: "saletime", Type: "timestamp without time zone"},
		{Name: `bu"yer`, Type: "character varying(30)"},
		{Name: "state", Type: "character(2)"},
		{Name: "liked", Type: "boolean"},
		{Name: "notes", Type: "text"},
	},
	RowEstimate: 1000,
	SizeBytes:   -1,
}

func TestBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		dialect    lore.Dialect
		percent    float64
		aggregate  string
		aggArgs    []any
		sample     string
		sampleArgs []any
	}{
		{
			name:    "postgres",
			dialect: lore.DialectPostgres,
			aggregate: `SELECT count(*), count("salesid"), min("salesid")::text, max("salesid")::text, ` +
				`count("pricepaid"), min("pricepaid")::text, max("pricepaid")::text, ` +
				`count("saletime"), min("saletime")::text, max("saletime")::text, ` +
				`count("bu""yer"), count("state"), count("liked"), count("notes") FROM "tickit"."sa""les"`,
			sample:     `SELECT left("bu""yer"::text, $2), left("state"::text, $2) FROM "tickit"."sa""les" LIMIT $1`,
			sampleArgs: []any{500, 51},
		},
		{
			name:    "postgres sampled",
			dialect: lore.DialectPostgres,
			percent: 2.5,
			aggregate: `SELECT count(*), count("salesid"), min("salesid")::text, max("salesid")::text, ` +
				`count("pricepaid"), min("pricepaid")::text, max("pricepaid")::text, ` +
				`count("saletime"), min("saletime")::text, max("saletime")::text, ` +
				`count("bu""yer"), count("state"), count("liked"), count("notes") FROM "tickit"."sa""les" TABLESAMPLE SYSTEM ($1)`,
			aggArgs:    []any{2.5},
			sample:     `SELECT left("bu""yer"::text, $2), left("state"::text, $2) FROM "tickit"."sa""les" LIMIT $1`,
			sampleArgs: []any{500, 51},
		},
		{
			name:    "redshift",
			dialect: lore.DialectRedshift,
			aggregate: `SELECT COUNT(*), COUNT("salesid"), CAST(MIN("salesid") AS VARCHAR), CAST(MAX("salesid") AS VARCHAR), APPROXIMATE COUNT(DISTINCT "salesid"), ` +
				`COUNT("pricepaid"), CAST(MIN("pricepaid") AS VARCHAR), CAST(MAX("pricepaid") AS VARCHAR), APPROXIMATE COUNT(DISTINCT "pricepaid"), ` +
				`COUNT("saletime"), CAST(MIN("saletime") AS VARCHAR), CAST(MAX("saletime") AS VARCHAR), APPROXIMATE COUNT(DISTINCT "saletime"), ` +
				`COUNT("bu""yer"), APPROXIMATE COUNT(DISTINCT "bu""yer"), COUNT("state"), APPROXIMATE COUNT(DISTINCT "state"), ` +
				`COUNT("liked"), COUNT("notes"), APPROXIMATE COUNT(DISTINCT "notes") FROM "tickit"."sa""les"`,
			sample: `SELECT LEFT("bu""yer", 51), LEFT("state", 51) FROM "tickit"."sa""les" LIMIT 500`,
		},
	}
	opts := Options{NoSample: map[string]bool{"notes": true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(tt.dialect, goldenMeta, opts)
			if err != nil {
				t.Fatal(err)
			}
			p.samplePercent = tt.percent
			sql, args := p.aggregateSQL()
			if sql != tt.aggregate {
				t.Errorf("aggregate:\n got %s\nwant %s", sql, tt.aggregate)
			}
			if !reflect.DeepEqual(args, tt.aggArgs) {
				t.Errorf("aggregate args = %v, want %v", args, tt.aggArgs)
			}
			sql, args = p.sampleSQL(500, 50)
			if sql != tt.sample {
				t.Errorf("sample:\n got %s\nwant %s", sql, tt.sample)
			}
			if !reflect.DeepEqual(args, tt.sampleArgs) {
				t.Errorf("sample args = %v, want %v", args, tt.sampleArgs)
			}
		})
	}
}

func TestBuildersNoTextColumns(t *testing.T) {
	t.Parallel()
	meta := lore.TableMeta{Ref: lore.TableRef{Schema: "s", Name: "t"}, Columns: []lore.ColumnMeta{{Name: "n", Type: "bigint"}}}
	for _, d := range []lore.Dialect{lore.DialectPostgres, lore.DialectRedshift} {
		p, err := newPlan(d, meta, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sql, _ := p.sampleSQL(10, 10); sql != "" {
			t.Errorf("%s: sample statement %q for a table without text columns", d, sql)
		}
	}
}

func TestBuildersRejectBadNames(t *testing.T) {
	t.Parallel()
	meta := lore.TableMeta{
		Ref:     lore.TableRef{Schema: "s", Name: "t"},
		Columns: []lore.ColumnMeta{{Name: "ok", Type: "text"}, {Name: "bad\nname", Type: "integer"}},
	}
	p, err := newPlan(lore.DialectPostgres, meta, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.cols[1].skip == "" {
		t.Fatal("column with a newline in its name was not skipped")
	}
	if sql, _ := p.aggregateSQL(); sql != `SELECT count(*), count("ok") FROM "s"."t"` {
		t.Errorf("aggregate = %s", sql)
	}
	meta.Ref.Name = "t\x00"
	if _, err := newPlan(lore.DialectPostgres, meta, Options{}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("table name with NUL: err = %v, want code %s", err, lore.EINVALID)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    lore.Dialect
		typ  string
		want kind
	}{
		{lore.DialectPostgres, "integer", kindNumber},
		{lore.DialectPostgres, "numeric(8,2)", kindNumber},
		{lore.DialectPostgres, "double precision", kindNumber},
		{lore.DialectPostgres, "money", kindNumber},
		{lore.DialectRedshift, "money", kindOther},
		{lore.DialectRedshift, "DECIMAL(18,4)", kindNumber},
		{lore.DialectPostgres, "date", kindTemporal},
		{lore.DialectPostgres, "timestamp(3) without time zone", kindTemporal},
		{lore.DialectRedshift, "timestamptz", kindTemporal},
		{lore.DialectPostgres, "time with time zone", kindTemporal},
		{lore.DialectPostgres, "character varying(30)", kindText},
		{lore.DialectPostgres, "character(2)", kindText},
		{lore.DialectPostgres, "bpchar", kindText},
		{lore.DialectPostgres, "text", kindText},
		{lore.DialectPostgres, "citext", kindText},
		{lore.DialectRedshift, "citext", kindOther},
		{lore.DialectRedshift, "nvarchar(10)", kindText},
		{lore.DialectPostgres, "boolean", kindOther},
		{lore.DialectPostgres, "jsonb", kindOther},
		{lore.DialectPostgres, "bytea", kindOther},
		{lore.DialectPostgres, "integer[]", kindOther},
		{lore.DialectPostgres, "character varying(10)[]", kindOther},
		{lore.DialectPostgres, "_int4", kindOther},
		{lore.DialectRedshift, "super", kindOther},
		{lore.DialectRedshift, "geometry", kindOther},
		{lore.DialectRedshift, "varbyte(64)", kindOther},
	}
	for _, tt := range tests {
		if got := classify(tt.d, tt.typ); got != tt.want {
			t.Errorf("classify(%s, %q) = %d, want %d", tt.d, tt.typ, got, tt.want)
		}
	}
}

func TestPerColumnStatements(t *testing.T) {
	t.Parallel()
	// 3 min/max columns, 3 text columns, 1 boolean (goldenMeta).
	if got, want := PerColumnStatements(lore.DialectPostgres, goldenMeta), 1+3*3+3*2+1; got != want {
		t.Errorf("postgres = %d, want %d", got, want)
	}
	if got, want := PerColumnStatements(lore.DialectRedshift, goldenMeta), 1+3*4+3*3+1; got != want {
		t.Errorf("redshift = %d, want %d", got, want)
	}
}

func TestBuildersWideTable(t *testing.T) {
	t.Parallel()
	meta := lore.TableMeta{Ref: lore.TableRef{Schema: "s", Name: "wide"}}
	for i := range 700 {
		meta.Columns = append(meta.Columns, lore.ColumnMeta{Name: fmt.Sprintf("n%d", i), Type: "integer"})
	}
	p, err := newPlan(lore.DialectPostgres, meta, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// count(*) plus three items per column: 533 columns fit in 1,600 items.
	if p.cols[532].skip != "" || p.cols[533].skip == "" || p.cols[699].skip == "" {
		t.Fatalf("skips at 532/533/699 = %q/%q/%q", p.cols[532].skip, p.cols[533].skip, p.cols[699].skip)
	}
	sql, _ := p.aggregateSQL()
	if n := strings.Count(sql, ", ") + 1; n != 1+533*3 {
		t.Errorf("aggregate has %d items, want %d", n, 1+533*3)
	}
}
