package redshiftlocal

import (
	"slices"
	"strings"
	"testing"
)

func TestBindParams(t *testing.T) {
	t.Parallel()
	vals := map[string]string{"id": "7", "name": "x", "n2": "y"}
	cases := []struct {
		in, out string
		args    []string
	}{
		{"select :id", "select $1", []string{"7"}},
		{"select :id, :name, :id", "select $1, $2, $1", []string{"7", "x"}},
		{"select :id::int", "select $1::int", []string{"7"}},
		{"select ':id', \":id\"", "select ':id', \":id\"", nil},
		{"select 'it''s :id' || :name", "select 'it''s :id' || $1", []string{"x"}},
		{"select E'\\' :id' || :name", "select E'\\' :id' || $1", []string{"x"}},
		{"select 1 -- :id\n, :name", "select 1 -- :id\n, $1", []string{"x"}},
		{"select /* :id /* nested */ :id */ :name", "select /* :id /* nested */ :id */ $1", []string{"x"}},
		{"select $$ :id $$, $t$ :id $t$, :name", "select $$ :id $$, $t$ :id $t$, $1", []string{"x"}},
		{"select :unknown, :id", "select :unknown, $1", []string{"7"}},
		{"select :n2x, :n2", "select :n2x, $1", []string{"y"}},
		{"select a[1:2] from t where b = :id", "select a[1:2] from t where b = $1", []string{"7"}},
		{"select 'unterminated :id", "select 'unterminated :id", nil},
	}
	for _, c := range cases {
		out, args, _ := bindParams(c.in, vals)
		if out != c.out || !slices.Equal(args, c.args) {
			t.Errorf("bindParams(%q) = %q %q, want %q %q", c.in, out, args, c.out, c.args)
		}
	}
}

func TestValidateParams(t *testing.T) {
	t.Parallel()
	bad := [][]sqlParameter{
		{{Name: "a-b", Value: "1"}},
		{{Name: "a", Value: ""}},
		{{Name: "a", Value: "1"}, {Name: "a", Value: "2"}},
		{},
	}
	for _, ps := range bad {
		if err := validateParams(ps, true); err == nil {
			t.Errorf("validateParams(%v) accepted bad parameters", ps)
		}
	}
	if err := validateParams([]sqlParameter{{Name: "ok_1", Value: "v"}}, true); err != nil {
		t.Errorf("valid parameter rejected: %v", err)
	}
}

// FuzzBindParams checks that binding never changes SQL without supplied names, and that every
// placeholder it writes stands for a supplied value.
func FuzzBindParams(f *testing.F) {
	for _, s := range []string{"select :a", "select ':a' -- :a", "$x$ :a $x$ :a", "/* :a */ :a::int", "E'\\'' :a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		if out, args, _ := bindParams(sql, nil); out != sql || len(args) != 0 {
			t.Fatalf("no parameters changed %q to %q", sql, out)
		}
		out, args, used := bindParams(sql, map[string]string{"a": "1"})
		if len(args) > 1 || len(used) != len(args) {
			t.Fatalf("%q: %d args for %d names", sql, len(args), len(used))
		}
		if len(args) == 0 && out != sql {
			t.Fatalf("%q changed to %q without binding", sql, out)
		}
		if len(args) == 1 && !strings.Contains(out, "$1") {
			t.Fatalf("%q bound a value but wrote no placeholder: %q", sql, out)
		}
	})
}
