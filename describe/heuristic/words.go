package heuristic

import (
	"strings"

	"github.com/lorehq/lore/describe"
)

// vocabulary holds words found glued together in column names ("priceperticket",
// "qtysold"), used to split them. Table and column words of the request are added per call.
var vocabulary = wordSet(`
id key code name names title label type kind status state flag desc description note notes comment
first last full middle given family user users customer customers client account accounts person
people employee employees seller sellers buyer buyers owner vendor supplier product products item
items order orders line lines sale sales list listing listings event events venue venues category
categories cat group groups date dates time times timestamp day days week weeks month months year
years qtr quarter hour minute second start end begin finish created updated deleted modified
birth holiday price prices cost costs amount amounts total totals sum paid pay payment payments
fee fees tax taxes discount commission revenue profit balance rate rates ratio percent pct qty
quantity count num number numbers sold seats seat ticket tickets per avg average min max like
likes sports theatre concerts jazz classical opera rock vegas musicals city cities country region
zip postal post address street phone email mail url web site store stores location locations
cal unit units size weight height width length value values score rank level source target
parent child children is has can should active enabled valid current primary default public
broadway
`)

// abbreviations expand short forms in column names.
var abbreviations = map[string]string{
	"qty": "quantity", "amt": "amount", "desc": "description", "num": "number", "nbr": "number",
	"no": "number", "pct": "percent", "dt": "date", "ts": "timestamp", "addr": "address",
	"cnt": "count", "avg": "average", "cat": "category", "qtr": "quarter", "cal": "calendar",
	"tz": "time zone", "usd": "USD", "eur": "EUR", "url": "URL", "uuid": "UUID", "ip": "IP",
	"sku": "SKU", "dob": "date of birth", "msg": "message", "ref": "reference", "src": "source",
	"dst": "destination", "tgt": "target", "cust": "customer", "prod": "product", "emp": "employee",
	"dept": "department", "mgr": "manager", "inv": "invoice", "txn": "transaction", "acct": "account",
	"min": "minimum", "max": "maximum", "sk": "surrogate key", "pk": "primary key", "fk": "foreign key",
}

// notID are words ending in "id" that are not "<something> id".
var notID = wordSet(`paid valid invalid void avoid android fluid liquid humid rapid solid squid hybrid
acid candid vivid said raid aid maid grid lid bid mid kid rid ovoid david druid`)

func wordSet(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// words returns the words of an identifier: SplitName, then glued words split against the
// vocabulary plus extra ("userid" → user id, "pricepaid" → price paid), and a trailing "id"
// cut off a word that does not split.
func words(name string, extra map[string]bool) []string {
	var out []string
	for _, w := range describe.SplitName(name) {
		parts := segment(w, extra)
		if len(parts) == 1 && len(w) > 3 && strings.HasSuffix(w, "id") && !notID[w] && !vocabulary[w] {
			// An unknown word glued to "id": "foobarid" is the foobar's id.
			parts = []string{w[:len(w)-2], "id"}
		}
		out = append(out, parts...)
	}
	return out
}

// segment splits a glued word into the fewest known words, or returns it whole.
func segment(w string, extra map[string]bool) []string {
	known := func(s string) bool { return vocabulary[s] || extra[s] || abbreviations[s] != "" }
	if known(w) || len(w) > 40 {
		return []string{w}
	}
	// best[i] is the fewest words covering w[:i], -1 when none.
	best := make([]int, len(w)+1)
	prev := make([]int, len(w)+1)
	for i := 1; i <= len(w); i++ {
		best[i] = -1
		for j := 0; j < i; j++ {
			if best[j] < 0 || i-j < 2 || !known(w[j:i]) {
				continue
			}
			if best[i] < 0 || best[j]+1 < best[i] {
				best[i], prev[i] = best[j]+1, j
			}
		}
	}
	if best[len(w)] < 0 {
		return []string{w}
	}
	var parts []string
	for i := len(w); i > 0; i = prev[i] {
		parts = append([]string{w[prev[i]:i]}, parts...)
	}
	return parts
}

// phrase turns words into readable text, expanding abbreviations.
func phrase(ws []string) string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if a, ok := abbreviations[w]; ok {
			w = a
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// singular makes a plural English noun singular, well enough for table names.
func singular(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "xes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s") && len(w) > 3:
		return w[:len(w)-1]
	}
	return w
}

// sentence capitalises the first letter and ends s with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
