package contextpack

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lorehq/lore"
)

// draft is everything a pack could hold, ranked, with flags saying which parts are dropped.
type draft struct {
	persona     Persona
	format      string
	budget      int
	tables      []*dtable // live tables, most relevant first
	joins       []*djoin
	terms       []*dterm
	warnings    []string
	units       []unit // drop order, least relevant first
	personaGone bool   // persona description dropped
	multiDB     bool   // tables come from more than one database
}

type dtable struct {
	t             *Table
	rank          int // position in draft.tables
	score         float64
	cols          []*dcol
	joins         []*djoin
	declaredJoins int
	inferredJoins int
	gone          bool
	descGone      bool
	chars         struct{ head, desc int }
}

type dcol struct {
	c           *Column
	t           *dtable
	pos         int
	key         bool // primary key, foreign key or join column: kept while the table is
	score       float64
	hl          *Highlights
	gone        bool
	descGone    bool
	profGone    bool
	samplesGone bool
	chars       struct{ base, desc, prof, samples int }
}

type djoin struct {
	from, to *dtable
	j        Join
	key      string // sort key
	chars    int
}

type dterm struct {
	t     Term
	index int
	score float64
	gone  bool
	chars int
}

func (t *dtable) col(name string) *dcol {
	for _, c := range t.cols {
		if strings.EqualFold(c.c.Name, name) {
			return c
		}
	}
	return nil
}

// newDraft ranks the persona's live tables, finds their joins and orders every droppable part.
func newDraft(p Persona, tables []Table, opts Options) *draft {
	d := &draft{persona: p, format: opts.Format, budget: opts.BudgetTokens}
	query, hints := expandQuery(opts.Query, p.Glossary), newMatcher(false, glossaryText(p))
	dbs := map[string]bool{}
	var removed []string
	for i := range tables {
		t := &tables[i]
		if t.Removed {
			removed = append(removed, t.Ref.String())
			continue
		}
		dbs[strings.ToLower(t.Ref.Database)] = true
		dt := &dtable{t: t}
		for j := range t.Columns {
			c := &t.Columns[j]
			dc := &dcol{c: c, t: dt, pos: j, hl: highlights(c.Profile)}
			for _, k := range t.PrimaryKey {
				dc.key = dc.key || strings.EqualFold(k, c.Name)
			}
			for _, fk := range t.ForeignKeys {
				for _, k := range fk.Columns {
					dc.key = dc.key || strings.EqualFold(k, c.Name)
				}
			}
			dt.cols = append(dt.cols, dc)
		}
		d.tables = append(d.tables, dt)
	}
	sort.Strings(removed)
	for _, r := range removed {
		d.warnings = append(d.warnings, fmt.Sprintf("Table %s was dropped or deselected in the warehouse, so it is left out of this pack. Select it again in Metadata, or remove it from the persona.", r))
	}
	d.multiDB = len(dbs) > 1
	if len(d.tables) == 0 {
		d.warnings = append(d.warnings, "This persona has no tables in the warehouse. Add processed tables to the persona to give it context.")
	}
	// Input order must not change the output.
	sort.SliceStable(d.tables, func(i, j int) bool { return d.tables[i].t.Ref.String() < d.tables[j].t.Ref.String() })
	d.joins = findJoins(d.tables)
	for _, t := range d.tables {
		t.score = scoreTable(t, query, hints)
		for _, c := range t.cols {
			c.score = t.score + columnBonus(c, len(t.cols), query, hints)
		}
	}
	sort.SliceStable(d.tables, func(i, j int) bool {
		a, b := d.tables[i], d.tables[j]
		if a.score != b.score {
			return a.score > b.score
		}
		return a.t.Ref.String() < b.t.Ref.String()
	})
	for i, t := range d.tables {
		t.rank = i
	}
	for i, g := range p.Glossary {
		d.terms = append(d.terms, &dterm{t: g, index: i, score: scoreTerm(g, query)})
	}
	d.measure()
	d.order()
	return d
}

// expandQuery returns the matcher of a query, widened with the definitions of the glossary
// terms it names: "revenue" reaches sales.pricepaid through a term defined as "total pricepaid
// of sales".
func expandQuery(q string, glossary []Term) matcher {
	m := newMatcher(true, q)
	if m.empty() {
		return m
	}
	texts := []string{q}
	for _, g := range glossary {
		if m.text(g.Term+" "+strings.Join(g.Keywords, " ")) > 0 {
			texts = append(texts, g.Definition)
		}
	}
	return newMatcher(true, texts...)
}

func glossaryText(p Persona) string {
	var b strings.Builder
	b.WriteString(p.Instructions)
	for _, g := range p.Glossary {
		b.WriteString(" " + g.Term + " " + g.Definition + " " + strings.Join(g.Keywords, " "))
	}
	return b.String()
}

const (
	maxSamples    = 5
	maxValueRunes = 40
)

// highlights picks what a pack shows of a profile, or nil when there is nothing to show.
func highlights(p *lore.ColumnProfile) *Highlights {
	if p == nil {
		return nil
	}
	h := &Highlights{Min: clip(p.Min), Max: clip(p.Max), NullCount: p.NullCount, DistinctEstimate: p.DistinctEstimate, Masked: p.Masked}
	if !p.Masked {
		for i, s := range p.Samples {
			if i == maxSamples {
				break
			}
			h.Samples = append(h.Samples, *clip(&s))
		}
	}
	if h.Min == nil && h.Max == nil && h.NullCount == nil && h.DistinctEstimate == nil && !h.Masked && len(h.Samples) == 0 {
		return nil
	}
	return h
}

func clip(s *string) *string {
	if s == nil || utf8.RuneCountInString(*s) <= maxValueRunes {
		return s
	}
	r := []rune(*s)
	v := string(r[:maxValueRunes]) + "…"
	return &v
}

func (h *Highlights) hasProfile() bool {
	return h != nil && (h.Min != nil || h.Max != nil || h.NullCount != nil || h.DistinctEstimate != nil || h.Masked)
}
