package contextpack

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// unitKind is a kind of part that can be dropped from a pack to fit a budget.
type unitKind int

const (
	dropSamples unitKind = iota
	dropProfile
	dropColumnDesc
	dropColumn
	dropTable
	dropTerm
	dropTableDesc
	dropPersonaDesc
)

// unit is one droppable part. chars is roughly how many characters of the rendering dropping
// it frees, given that the units before it are already dropped.
type unit struct {
	kind  unitKind
	t     *dtable
	c     *dcol
	g     *dterm
	chars int
}

// order lays out the drop sequence, least relevant first: sample values, profile highlights,
// then descriptions of columns that are not keys, those columns and whole tables interleaved by
// relevance (a table outranks its own columns), then key column descriptions,
// glossary terms, the description of the most relevant table, the persona description and the
// key columns of the most relevant table. What remains is the smallest useful pack: the persona
// name and instructions and one table name.
func (d *draft) order() {
	var all []*dcol
	for _, t := range d.tables {
		all = append(all, t.cols...)
	}
	byScore := func(cs []*dcol) []*dcol {
		slices.SortStableFunc(cs, cmpCol)
		return cs
	}
	pick := func(keep func(*dcol) bool) []*dcol {
		var out []*dcol
		for _, c := range all {
			if keep(c) {
				out = append(out, c)
			}
		}
		return byScore(out)
	}
	add := func(kind unitKind, cs []*dcol) {
		for _, c := range cs {
			d.units = append(d.units, unit{kind: kind, t: c.t, c: c})
		}
	}
	add(dropSamples, pick(func(c *dcol) bool { return c.hl != nil && len(c.hl.Samples) > 0 }))
	add(dropProfile, pick(func(c *dcol) bool { return c.hl.hasProfile() }))
	// Descriptions of columns that are not keys, those columns, and whole tables, on one scale:
	// a column's description goes one point before the column, and a table three points after
	// its columns' table score, above any column bonus, so a table loses its columns' details and
	// columns before it goes, while a table that matches the query keeps its details longer
	// than an unrelated table keeps its place.
	type scored struct {
		u     unit
		score float64
	}
	var mixed []scored
	for _, c := range all {
		if c.key {
			continue
		}
		if c.c.Description.Text != "" {
			mixed = append(mixed, scored{unit{kind: dropColumnDesc, t: c.t, c: c}, c.score})
		}
		mixed = append(mixed, scored{unit{kind: dropColumn, t: c.t, c: c}, c.score + 1})
	}
	for _, t := range d.tables[min(1, len(d.tables)):] {
		mixed = append(mixed, scored{unit{kind: dropTable, t: t}, t.score + 3})
	}
	slices.SortStableFunc(mixed, func(a, b scored) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.u.t.rank, a.u.t.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(a.u.kind, b.u.kind); c != 0 {
			return c
		}
		if a.u.c != nil && b.u.c != nil {
			return cmp.Compare(b.u.c.pos, a.u.c.pos)
		}
		return 0
	})
	for _, m := range mixed {
		d.units = append(d.units, m.u)
	}
	if len(d.tables) == 0 {
		d.addTail(nil)
		return
	}
	top := d.tables[0]
	add(dropColumnDesc, pick(func(c *dcol) bool { return c.t == top && c.key && c.c.Description.Text != "" }))
	d.addTail(top)
	add(dropColumn, pick(func(c *dcol) bool { return c.t == top && c.key }))
}

// addTail appends the glossary terms, the top table's description and the persona description.
func (d *draft) addTail(top *dtable) {
	terms := append([]*dterm(nil), d.terms...)
	sort.SliceStable(terms, func(i, j int) bool {
		if terms[i].score != terms[j].score {
			return terms[i].score < terms[j].score
		}
		return terms[i].index > terms[j].index
	})
	for _, g := range terms {
		d.units = append(d.units, unit{kind: dropTerm, g: g})
	}
	if top != nil && top.t.Description.Text != "" {
		d.units = append(d.units, unit{kind: dropTableDesc, t: top})
	}
	if strings.TrimSpace(d.persona.Description) != "" {
		d.units = append(d.units, unit{kind: dropPersonaDesc})
	}
}

// cmpCol orders columns least relevant first: lower score, then less relevant table, then
// later column.
func cmpCol(a, b *dcol) int {
	if c := cmp.Compare(a.score, b.score); c != 0 {
		return c
	}
	if c := cmp.Compare(b.t.rank, a.t.rank); c != 0 {
		return c
	}
	return cmp.Compare(b.pos, a.pos)
}

// reset keeps every part.
func (d *draft) reset() {
	d.personaGone = false
	for _, t := range d.tables {
		t.gone, t.descGone = false, false
		for _, c := range t.cols {
			c.gone, c.descGone, c.profGone, c.samplesGone = false, false, false, false
		}
	}
	for _, g := range d.terms {
		g.gone = false
	}
}

// apply keeps every part except the first k units of the drop order.
func (d *draft) apply(k int) {
	d.reset()
	for _, u := range d.units[:k] {
		d.drop(u)
	}
}

// drop removes u and returns how many characters it frees.
func (d *draft) drop(u unit) int {
	freed := 0
	switch u.kind {
	case dropSamples:
		if !u.c.samplesGone {
			freed = u.c.chars.samples
		}
		u.c.samplesGone = true
	case dropProfile:
		if !u.c.profGone {
			freed = u.c.chars.prof
		}
		u.c.profGone = true
	case dropColumnDesc:
		if !u.c.descGone {
			freed = u.c.chars.desc
		}
		u.c.descGone = true
	case dropColumn:
		freed = u.c.live()
		u.c.gone = true
	case dropTable:
		freed = u.t.live()
		for _, j := range u.t.joins {
			if !j.from.gone && !j.to.gone {
				freed += j.chars
			}
		}
		u.t.gone = true
	case dropTerm:
		freed = u.g.chars
		u.g.gone = true
	case dropTableDesc:
		if !u.t.descGone {
			freed = u.t.chars.desc
		}
		u.t.descGone = true
	case dropPersonaDesc:
		freed = len(d.persona.Description)
		d.personaGone = true
	}
	return freed
}

func (c *dcol) live() int {
	if c.gone {
		return 0
	}
	n := c.chars.base
	if !c.descGone {
		n += c.chars.desc
	}
	if !c.profGone {
		n += c.chars.prof
	}
	if !c.samplesGone {
		n += c.chars.samples
	}
	return n
}

func (t *dtable) live() int {
	if t.gone {
		return 0
	}
	n := t.chars.head
	if !t.descGone {
		n += t.chars.desc
	}
	for _, c := range t.cols {
		n += c.live()
	}
	return n
}
