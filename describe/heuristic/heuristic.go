// Package heuristic writes descriptions offline, from column names, types, keys and profile
// figures, when no AI provider is configured. Its text is stored and shown with source
// "heuristic", never as AI.
package heuristic

import (
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
)

// Name is the describer's name.
const Name = "heuristic"

// Describer is the offline describer. The zero value is ready to use.
type Describer struct{}

// New returns the offline describer.
func New() *Describer { return &Describer{} }

// Name returns "heuristic".
func (*Describer) Name() string { return Name }

// Describe writes a description for the table (unless req.SkipTable) and for each column
// without one. It never fails and makes no network calls.
func (*Describer) Describe(_ lore.Context, req describe.Request) (describe.Result, error) {
	res := describe.Result{Columns: map[string]string{}, Source: describe.SourceHeuristic, Provider: Name}
	t := newTableInfo(req)
	if !req.SkipTable {
		res.TableDescription = t.describe(req)
	}
	for _, c := range req.Columns {
		if strings.TrimSpace(c.Description) != "" {
			continue
		}
		if d := t.column(c); d != "" {
			res.Columns[c.Name] = d
		}
	}
	return res, nil
}

// tableInfo is what column descriptions need to know about their table.
type tableInfo struct {
	noun   string // singular, readable: "sale", "order item"
	vocab  map[string]bool
	pk     map[string]bool
	fks    map[string]lore.TableRef
	rows   *int64
	prefix string // dbt-style layer prefix: fct, dim, stg, int
}

var layers = map[string]string{
	"fct": "Fact table of", "fact": "Fact table of", "dim": "Dimension table of",
	"stg": "Staging view of", "int": "Intermediate model of", "mart": "Data mart of",
	"agg": "Aggregate of", "rpt": "Report of", "raw": "Raw load of",
}

func newTableInfo(req describe.Request) *tableInfo {
	t := &tableInfo{vocab: map[string]bool{}, pk: map[string]bool{}, fks: map[string]lore.TableRef{}, rows: req.RowCount}
	for _, n := range req.Neighbours {
		for _, w := range describe.SplitName(n.Ref.Name) {
			t.vocab[w], t.vocab[singular(w)] = true, true
		}
	}
	ws := describe.SplitName(req.Table.Ref.Name)
	for _, w := range ws {
		t.vocab[w], t.vocab[singular(w)] = true, true
	}
	if len(ws) > 1 && layers[ws[0]] != "" {
		t.prefix, ws = ws[0], ws[1:]
	}
	// "stg_tickit__sales": the last words name the entity; drop a source-system word.
	if i := strings.LastIndex(req.Table.Ref.Name, "__"); i >= 0 {
		ws = describe.SplitName(req.Table.Ref.Name[i+2:])
	}
	if len(ws) > 0 {
		ws[len(ws)-1] = singular(ws[len(ws)-1])
	}
	t.noun = phrase(ws)
	for _, k := range req.Table.PrimaryKey {
		t.pk[strings.ToLower(k)] = true
	}
	for _, fk := range req.Table.ForeignKeys {
		if len(fk.Columns) == 1 {
			t.fks[strings.ToLower(fk.Columns[0])] = fk.Ref
		}
	}
	for _, c := range req.Columns {
		if c.PrimaryKey {
			t.pk[strings.ToLower(c.Name)] = true
		}
		if c.References != nil {
			t.fks[strings.ToLower(c.Name)] = *c.References
		}
	}
	if t.rows == nil && req.Table.RowEstimate >= 0 {
		n := req.Table.RowEstimate
		t.rows = &n
	}
	return t
}

func (t *tableInfo) describe(req describe.Request) string {
	var b strings.Builder
	if l := layers[t.prefix]; l != "" {
		b.WriteString(sentence(l + " " + plural(t.noun) + ", one row per " + t.noun))
	} else {
		b.WriteString(sentence("Each row is one " + t.noun))
	}
	if pk := req.Table.PrimaryKey; len(pk) > 0 {
		b.WriteString(" " + sentence("Identified by "+strings.Join(pk, ", ")))
	}
	var refs []string
	seen := map[string]bool{}
	for _, fk := range req.Table.ForeignKeys {
		n := fk.Ref.Schema + "." + fk.Ref.Name
		if !seen[n] {
			seen[n] = true
			refs = append(refs, n)
		}
	}
	if len(refs) > 0 {
		b.WriteString(" " + sentence("Refers to "+joinAnd(refs)))
	}
	if t.rows != nil && *t.rows >= 0 {
		b.WriteString(" " + sentence("About "+thousands(*t.rows)+" rows"))
	}
	return b.String()
}

func plural(noun string) string {
	switch {
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") && !strings.HasSuffix(noun, "ay"):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	}
	return noun + "s"
}

func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
