package contextpack

import (
	"math"
	"strings"
	"unicode"
)

// matcher finds the words of a query (or of the persona's instructions and glossary) in table
// and column names and in descriptions.
type matcher struct {
	words  []string
	substr bool // a word of four letters or more matches inside an identifier
}

var stopwords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "from": true, "that": true, "this": true,
	"are": true, "was": true, "were": true, "which": true, "what": true, "how": true, "per": true,
	"all": true, "any": true, "each": true, "into": true, "use": true, "show": true, "list": true,
	"get": true, "who": true, "when": true, "where": true, "has": true, "have": true, "not": true,
	"table": true, "tables": true, "column": true, "columns": true, "data": true,
}

// splitWords returns the lower-case, stemmed words of s of three letters or more.
func splitWords(s string) []string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	for _, f := range fields {
		if len(f) < 3 || stopwords[f] {
			continue
		}
		out = append(out, stem(f))
	}
	return out
}

// stem folds simple plurals so that "sales" matches "sale" and "categories" "category".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// newMatcher returns a matcher of the words of texts. A query matcher (substr) finds "venue" in
// "venuename"; a hint matcher, built from the persona's instructions and glossary, only matches
// whole names, since prose words turn up inside unrelated identifiers.
func newMatcher(substr bool, texts ...string) matcher {
	seen := map[string]bool{}
	m := matcher{substr: substr}
	for _, t := range texts {
		for _, w := range splitWords(t) {
			if !seen[w] {
				seen[w] = true
				m.words = append(m.words, w)
			}
		}
	}
	return m
}

func (m matcher) empty() bool { return len(m.words) == 0 }

// ident counts the words that name an identifier such as "sales", or, for a query, that are
// found inside it, as "event" in "eventname".
func (m matcher) ident(name string) int {
	name = strings.ToLower(name)
	whole := stem(name)
	n := 0
	for _, w := range m.words {
		if w == whole || m.substr && len(w) >= 4 && strings.Contains(name, w) {
			n++
		}
	}
	return n
}

// text counts the words found among the words of s.
func (m matcher) text(s string) int {
	if s == "" || len(m.words) == 0 {
		return 0
	}
	have := map[string]bool{}
	for _, w := range splitWords(s) {
		have[w] = true
	}
	n := 0
	for _, w := range m.words {
		if have[w] {
			n++
		}
	}
	return n
}

// scoreTable rates how relevant a table is: tables that many joins reach, that are described,
// that the persona's instructions or glossary name, and that match the query rank higher.
func scoreTable(t *dtable, query, hints matcher) float64 {
	s := 1.0
	s += math.Min(4, 0.6*float64(t.declaredJoins)+0.4*float64(t.inferredJoins))
	if d := t.t.Description; d.Text != "" {
		s += 0.8
		if d.Source == "human" || d.Source == "dbt" {
			s += 0.2
		}
	}
	described, colNames, colDescs := 0, 0, 0
	for _, c := range t.t.Columns {
		if c.Description.Text != "" {
			described++
		}
		if !query.empty() {
			colNames += query.ident(c.Name)
			colDescs += query.text(c.Description.Text)
		}
	}
	if len(t.t.Columns) > 0 {
		s += 0.7 * float64(described) / float64(len(t.t.Columns))
	}
	s += 1.5 * math.Min(2, float64(hints.ident(t.t.Ref.Name)))
	if !query.empty() {
		s += 4 * float64(query.ident(t.t.Ref.Name))
		s += 1.5 * float64(query.text(t.t.Description.Text))
		s += math.Min(3, float64(colNames)) + 0.5*math.Min(3, float64(colDescs))
	}
	return s
}

// columnBonus rates a column within its table, between -0.4 and 1.9: described columns, early
// columns, columns the instructions name and query matches rank higher; columns of very wide
// tables rank lower, so their details go first.
func columnBonus(c *dcol, n int, query, hints matcher) float64 {
	b := 0.2 * (1 - float64(c.pos)/float64(n))
	if c.c.Description.Text != "" {
		b += 0.3
	}
	if hints.ident(c.c.Name) > 0 {
		b += 0.6
	}
	if !query.empty() {
		if query.ident(c.c.Name) > 0 {
			b += 0.5
		}
		if query.text(c.c.Description.Text) > 0 {
			b += 0.3
		}
	}
	return b - math.Min(0.4, float64(n)/100)
}

// scoreTerm rates a glossary term: terms that match the query rank higher.
func scoreTerm(t Term, query matcher) float64 {
	if query.empty() {
		return 1
	}
	return 1 + float64(query.text(t.Term+" "+t.Definition+" "+strings.Join(t.Keywords, " ")))
}
