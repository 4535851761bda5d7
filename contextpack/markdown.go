package contextpack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

// Markdown renders the pack as Markdown for an AI analyst's prompt: persona, instructions,
// ranked tables with their columns, joins, glossary, warnings and what was left out. For
// FormatMarkdown packs, Tokens is the token count of exactly this text.
func (p *Pack) Markdown() string {
	var b strings.Builder
	name, db := p.namer()
	b.WriteString("# " + oneLine(p.Persona.Name) + "\n")
	if s := strings.TrimSpace(p.Persona.Description); s != "" {
		b.WriteString(s + "\n")
	}
	if s := strings.TrimSpace(p.Persona.Instructions); s != "" {
		b.WriteString("\n## Instructions\n" + s + "\n")
	}
	if len(p.Tables) > 0 {
		b.WriteString("\n## Tables\nMost relevant first.")
		if db != "" {
			b.WriteString(" All in database " + db + ".")
		}
		b.WriteString("\n")
	}
	for i := range p.Tables {
		t := &p.Tables[i]
		b.WriteString("\n" + mdTableHead(t, name) + mdTableDesc(t.Description))
		for _, c := range t.Columns {
			b.WriteString(mdColumnBase(c))
			b.WriteString(mdColumnDesc(c.Description))
			if c.Profile != nil {
				b.WriteString(mdProfile(c.Profile))
				b.WriteString(mdSamples(c.Profile.Samples))
			}
			b.WriteString("\n")
		}
	}
	if len(p.Joins) > 0 {
		b.WriteString("\n## Joins\n")
		for _, j := range p.Joins {
			b.WriteString(mdJoin(j, name))
		}
	}
	if len(p.Glossary) > 0 {
		b.WriteString("\n## Glossary\n")
		for _, g := range p.Glossary {
			b.WriteString(mdTerm(g))
		}
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\n## Warnings\n")
		for _, w := range p.Warnings {
			b.WriteString("- " + oneLine(w) + "\n")
		}
	}
	if len(p.Omitted) > 0 {
		b.WriteString("\n## Left out\n")
		if p.Budget > 0 {
			fmt.Fprintf(&b, "Least relevant parts were left out to fit budget_tokens=%d; ask for a larger budget or pass a query to rank differently.\n", p.Budget)
		}
		for _, o := range p.Omitted {
			b.WriteString("- " + oneLine(o.What) + "\n")
		}
	}
	return b.String()
}

// namer returns how the Markdown names tables, and the one database they share, if they do:
// schema.table within one database, database.schema.table otherwise.
func (p *Pack) namer() (func(lore.TableRef) string, string) {
	db := ""
	for i, t := range p.Tables {
		if i == 0 {
			db = t.Database
		} else if t.Database != db {
			return func(r lore.TableRef) string { return r.String() }, ""
		}
	}
	return func(r lore.TableRef) string { return r.Schema + "." + r.Name }, db
}

func mdTableHead(t *PackTable, name func(lore.TableRef) string) string {
	var meta []string
	if t.Kind != "" {
		meta = append(meta, t.Kind)
	}
	if t.RowEstimate != nil {
		meta = append(meta, "about "+strconv.FormatInt(*t.RowEstimate, 10)+" rows")
	}
	if len(t.PrimaryKey) > 0 {
		meta = append(meta, "primary key ("+strings.Join(t.PrimaryKey, ", ")+")")
	}
	if t.OmittedColumns > 0 {
		meta = append(meta, fmt.Sprintf("%d of %d columns shown", len(t.Columns), len(t.Columns)+t.OmittedColumns))
	}
	s := "### " + name(t.TableRef) + "\n"
	if len(meta) > 0 {
		s += strings.Join(meta, ", ") + "\n"
	}
	return s
}

func mdTableDesc(d *Described) string {
	if d == nil {
		return ""
	}
	return oneLine(d.Text) + tag(d) + "\n"
}

func mdColumnBase(c PackColumn) string {
	s := "- " + c.Name + " " + c.Type
	if !c.Nullable {
		s += " not null"
	}
	if c.PrimaryKey {
		s += " PK"
	}
	return s
}

func mdColumnDesc(d *Described) string {
	if d == nil {
		return ""
	}
	return ": " + oneLine(d.Text) + tag(d)
}

// tag names where a description came from, e.g. " [dbt]" or " [ai gpt-4o, stale]".
func tag(d *Described) string {
	s := d.Source
	if d.Model != "" {
		s = strings.TrimSpace(s + " " + d.Model)
	}
	if d.Stale {
		if s != "" {
			s += ", "
		}
		s += "stale"
	}
	if s == "" {
		return ""
	}
	return " [" + s + "]"
}

func mdProfile(h *Highlights) string {
	if !h.hasProfile() {
		return ""
	}
	var parts []string
	switch {
	case h.Min != nil && h.Max != nil:
		parts = append(parts, "range "+oneLine(*h.Min)+" to "+oneLine(*h.Max))
	case h.Min != nil:
		parts = append(parts, "min "+oneLine(*h.Min))
	case h.Max != nil:
		parts = append(parts, "max "+oneLine(*h.Max))
	}
	if h.DistinctEstimate != nil {
		parts = append(parts, strconv.FormatInt(*h.DistinctEstimate, 10)+" distinct")
	}
	if h.NullCount != nil && *h.NullCount > 0 {
		parts = append(parts, strconv.FormatInt(*h.NullCount, 10)+" nulls")
	}
	if h.Masked {
		parts = append(parts, "values masked")
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

// mdSamples quotes sample values as SQL literals, so the analyst sees their exact form.
func mdSamples(samples []string) string {
	if len(samples) == 0 {
		return ""
	}
	q := make([]string, len(samples))
	for i, s := range samples {
		q[i] = "'" + strings.ReplaceAll(oneLine(s), "'", "''") + "'"
	}
	return "; e.g. " + strings.Join(q, ", ")
}

func mdJoin(j Join, name func(lore.TableRef) string) string {
	var pairs []string
	for i := range j.From.Columns {
		if i < len(j.To.Columns) {
			pairs = append(pairs, name(j.From.TableRef)+"."+j.From.Columns[i]+" = "+name(j.To.TableRef)+"."+j.To.Columns[i])
		}
	}
	return "- " + strings.Join(pairs, " and ") + " (" + j.Reason + ")\n"
}

func mdTerm(g Term) string {
	s := "- **" + oneLine(g.Term) + "**: " + oneLine(g.Definition)
	if len(g.Keywords) > 0 {
		s += " (keywords: " + strings.Join(g.Keywords, ", ") + ")"
	}
	return s + "\n"
}

// oneLine folds runs of white space, line breaks included, into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
