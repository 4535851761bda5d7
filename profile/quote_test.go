package profile

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/lorehq/lore"
)

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"venue", `"venue"`, true},
		{`a"b`, `"a""b"`, true},
		{`x"; drop table t; --`, `"x""; drop table t; --"`, true},
		{`"`, `""""`, true},
		{"select", `"select"`, true},
		{"Ünïcødé 名前", `"Ünïcødé 名前"`, true},
		{"with space", `"with space"`, true},
		{strings.Repeat("a", MaxIdentBytes), `"` + strings.Repeat("a", MaxIdentBytes) + `"`, true},
		{strings.Repeat("a", MaxIdentBytes+1), "", false},
		{"", "", false},
		{"a\nb", "", false},
		{"a\x00b", "", false},
		{"tab\t", "", false},
		{"esc\x1b[31m", "", false},
		{"del\x7f", "", false},
		{"c1\u0085", "", false},
		{"bad\xffutf8", "", false},
	}
	for _, tt := range tests {
		got, err := QuoteIdent(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("QuoteIdent(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("QuoteIdent(%q) = %q, want an error", tt.in, got)
		} else if lore.ErrorCode(err) != lore.EINVALID {
			t.Errorf("QuoteIdent(%q) error code = %s, want %s", tt.in, lore.ErrorCode(err), lore.EINVALID)
		}
	}
}

// FuzzQuoteIdent checks the invariants that make a quoted identifier safe to splice into SQL:
// it is one double-quoted token (every inner quote doubled, so no quote can end it early), it
// unquotes to exactly the input, and it holds no NUL or control character. TestQuoteIdentParses
// checks the same names against PostgreSQL's real parser.
func FuzzQuoteIdent(f *testing.F) {
	for _, s := range hostileNames {
		f.Add(s)
	}
	f.Add("a\nb")
	f.Add("\x00")
	f.Add(`"""`)
	f.Fuzz(func(t *testing.T, name string) {
		q, err := QuoteIdent(name)
		if err != nil {
			if q != "" {
				t.Fatalf("error with a result %q", q)
			}
			return
		}
		if len(q) < 3 || q[0] != '"' || q[len(q)-1] != '"' {
			t.Fatalf("QuoteIdent(%q) = %q: not one quoted token", name, q)
		}
		inner := q[1 : len(q)-1]
		// Walk the inner text as the SQL lexer does: a quote must be followed by another quote.
		for i := 0; i < len(inner); i++ {
			if inner[i] == '"' {
				if i+1 >= len(inner) || inner[i+1] != '"' {
					t.Fatalf("QuoteIdent(%q) = %q: lone quote at %d ends the identifier early", name, q, i)
				}
				i++
			}
		}
		if got := strings.ReplaceAll(inner, `""`, `"`); got != name {
			t.Fatalf("QuoteIdent(%q) unquotes to %q", name, got)
		}
		if !utf8.ValidString(q) {
			t.Fatalf("QuoteIdent(%q) = %q: invalid UTF-8", name, q)
		}
		for _, r := range q {
			if r == 0 || unicode.IsControl(r) {
				t.Fatalf("QuoteIdent(%q) = %q: control character %U", name, q, r)
			}
		}
		if name == "" || len(name) > MaxIdentBytes {
			t.Fatalf("QuoteIdent accepted a name of %d bytes", len(name))
		}
	})
}

// hostileNames are identifiers that PostgreSQL accepts and that break naive SQL building.
var hostileNames = []string{
	`a"b`,
	`x"; drop table t; --`,
	`"`,
	`""`,
	`select`,
	`from`,
	`Mixed Case`,
	`ünïcødé_名前_🙂`,
	`semi;colon`,
	`back\slash`,
	`dollar$$quote`,
	`it's`,
	`/* comment */`,
	`$1`,
	`:p1`,
	strings.Repeat("z", 63),
}
