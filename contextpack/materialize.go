package contextpack

import (
	"fmt"
	"strings"

	"github.com/lorehq/lore"
)

// pack returns the pack as the drop flags leave it. Tokens is left for the caller to measure.
func (d *draft) pack() *Pack {
	p := &Pack{
		Persona:   PersonaInfo{ID: d.persona.ID, Name: d.persona.Name, Instructions: d.persona.Instructions},
		Tables:    []PackTable{},
		Joins:     []Join{},
		Glossary:  []Term{},
		Warnings:  append([]string{}, d.warnings...),
		Format:    d.format,
		Tokenizer: TokenizerName,
		Budget:    d.budget,
	}
	if !d.personaGone {
		p.Persona.Description = d.persona.Description
	}
	for _, t := range d.tables {
		if t.gone {
			continue
		}
		pt := t.head()
		pt.Columns = []PackColumn{}
		for _, c := range t.cols {
			if c.gone {
				pt.OmittedColumns++
				continue
			}
			pt.Columns = append(pt.Columns, c.column())
		}
		p.Tables = append(p.Tables, pt)
	}
	for _, j := range d.joins {
		if !j.from.gone && !j.to.gone {
			p.Joins = append(p.Joins, j.j)
		}
	}
	for _, g := range d.terms {
		if !g.gone {
			p.Glossary = append(p.Glossary, g.t)
		}
	}
	p.Omitted = d.omissions()
	return p
}

// head returns the table without its columns.
func (t *dtable) head() PackTable {
	pt := PackTable{TableRef: t.t.Ref, ID: t.t.ID, Kind: t.t.Kind, PrimaryKey: t.t.PrimaryKey}
	if !t.descGone && t.t.Description.Text != "" {
		desc := t.t.Description
		pt.Description = &desc
	}
	if t.t.RowEstimate >= 0 {
		n := t.t.RowEstimate
		pt.RowEstimate = &n
	}
	return pt
}

// column returns the column with the parts the drop flags keep.
func (c *dcol) column() PackColumn {
	pc := PackColumn{Name: c.c.Name, Type: c.c.Type, Nullable: c.c.Nullable}
	for _, k := range c.t.t.PrimaryKey {
		pc.PrimaryKey = pc.PrimaryKey || strings.EqualFold(k, c.c.Name)
	}
	if !c.descGone && c.c.Description.Text != "" {
		desc := c.c.Description
		pc.Description = &desc
	}
	if c.hl != nil {
		h := *c.hl
		if c.samplesGone {
			h.Samples = nil
		}
		if c.profGone {
			h = Highlights{Samples: h.Samples}
		}
		if h.hasProfile() || len(h.Samples) > 0 {
			pc.Profile = &h
		}
	}
	return pc
}

// measure records how many characters each part takes in the draft's format, so that the
// search for what to drop can estimate sizes without rendering and tokenizing.
func (d *draft) measure() {
	d.reset()
	name := d.namer()
	for _, t := range d.tables {
		full := t.head()
		desc := full.Description
		full.Description = nil
		if d.format == FormatJSON {
			t.chars.head = jsonLen(full) + 16
			t.chars.desc = jsonLen(desc) + 16
		} else {
			t.chars.head = len(mdTableHead(&full, name)) + 4
			t.chars.desc = len(mdTableDesc(desc))
		}
		for _, c := range t.cols {
			pc := c.column()
			var samples []string
			var prof *Highlights
			if pc.Profile != nil {
				samples = pc.Profile.Samples
				h := *pc.Profile
				h.Samples = nil
				prof = &h
			}
			desc := pc.Description
			pc.Description, pc.Profile = nil, nil
			if d.format == FormatJSON {
				c.chars.base = jsonLen(pc) + 2
				if desc != nil {
					c.chars.desc = jsonLen(desc) + 15
				}
				if prof.hasProfile() {
					c.chars.prof = jsonLen(prof) + 11
				}
				if len(samples) > 0 {
					c.chars.samples = jsonLen(samples) + 11
				}
			} else {
				c.chars.base = len(mdColumnBase(pc)) + 1
				c.chars.desc = len(mdColumnDesc(desc))
				c.chars.prof = len(mdProfile(prof))
				c.chars.samples = len(mdSamples(samples))
			}
		}
	}
	for _, j := range d.joins {
		if d.format == FormatJSON {
			j.chars = jsonLen(j.j) + 2
		} else {
			j.chars = len(mdJoin(j.j, name))
		}
	}
	for _, g := range d.terms {
		if d.format == FormatJSON {
			g.chars = jsonLen(g.t) + 2
		} else {
			g.chars = len(mdTerm(g.t))
		}
	}
}

// measureUnits fills in what each unit frees when dropped after the ones before it.
func (d *draft) measureUnits() {
	d.reset()
	for i := range d.units {
		d.units[i].chars = d.drop(d.units[i])
	}
	d.reset()
}

// omissions says what the drop flags leave out, counting each part once: a dropped table covers
// its columns, a dropped column its description and profile.
func (d *draft) omissions() []Omission {
	var samples, profiles, colDescs, tableDescs, cols int
	var colTables, tables, terms []string
	name := d.namer()
	for _, t := range d.tables {
		if t.gone {
			tables = append(tables, name(t.t.Ref))
			continue
		}
		if t.descGone && t.t.Description.Text != "" {
			tableDescs++
		}
		n := 0
		for _, c := range t.cols {
			switch {
			case c.gone:
				n++
				continue
			case c.samplesGone && c.hl != nil && len(c.hl.Samples) > 0:
				samples++
			}
			if c.profGone && c.hl.hasProfile() {
				profiles++
			}
			if c.descGone && c.c.Description.Text != "" {
				colDescs++
			}
		}
		if n > 0 {
			cols += n
			colTables = append(colTables, fmt.Sprintf("%s (%d of %d)", name(t.t.Ref), n, len(t.cols)))
		}
	}
	for _, g := range d.terms {
		if g.gone {
			terms = append(terms, g.t.Term)
		}
	}
	why := "least relevant under the budget; ask for a larger budget_tokens or pass a query to rank differently"
	if d.budget > 0 {
		why = fmt.Sprintf("least relevant under budget_tokens=%d; ask for a larger budget or pass a query to rank differently", d.budget)
	}
	out := []Omission{}
	add := func(kind string, n int, what string) {
		if n > 0 {
			out = append(out, Omission{Kind: kind, Count: n, What: what, Why: why})
		}
	}
	add("tables", len(tables), plural(len(tables), "table")+": "+list(tables))
	add("columns", cols, plural(cols, "column")+" of "+list(colTables))
	add("glossary", len(terms), plural(len(terms), "glossary term")+": "+list(terms))
	add("table_descriptions", tableDescs, "descriptions of "+plural(tableDescs, "table"))
	add("column_descriptions", colDescs, "descriptions of "+plural(colDescs, "column"))
	add("profiles", profiles, "profile highlights (range, distinct and null counts) of "+plural(profiles, "column"))
	add("samples", samples, "sample values of "+plural(samples, "column"))
	if d.personaGone {
		add("persona_description", 1, "the persona description")
	}
	return out
}

// plural returns "1 column", "2 columns".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// list joins names, naming at most ten.
func list(names []string) string {
	const most = 10
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// namer returns how the Markdown names tables: schema.table, or database.schema.table when the
// pack spans databases.
func (d *draft) namer() func(lore.TableRef) string {
	if d.multiDB {
		return func(r lore.TableRef) string { return r.String() }
	}
	return func(r lore.TableRef) string { return r.Schema + "." + r.Name }
}
