package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lorehq/lore"
)

// maxContextRunes caps each description given to the model as context.
const maxContextRunes = 300

const systemPrompt = `You write short documentation for the tables and columns of a data warehouse, read by analysts who write SQL.
Answer with one JSON object and nothing else, in exactly this form:
{"table": "<one or two sentences: what one row of the table is and what it is used for>", "columns": {"<column name>": "<one sentence>"}}
Rules:
- Describe every column listed in "columns_to_describe", using its exact name as the key, and no other column.
- Use only what you are given: names, types, keys, related tables, existing descriptions and profile figures. Do not invent business rules; write "Probably" when you are unsure.
- Do not copy sample values that look personal into the descriptions.
- Keep each description under 200 characters, in plain English, without Markdown.`

// promptTable is the table part of the user message.
type promptTable struct {
	Name        string         `json:"name"`
	Kind        string         `json:"kind,omitempty"`
	Description string         `json:"existing_description,omitempty"`
	RowCount    *int64         `json:"row_count,omitempty"`
	PrimaryKey  []string       `json:"primary_key,omitempty"`
	ForeignKeys []promptFK     `json:"foreign_keys,omitempty"`
	Neighbours  []promptNeighb `json:"related_tables,omitempty"`
}

type promptFK struct {
	Columns    []string `json:"columns"`
	References string   `json:"references"`
}

type promptNeighb struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type promptColumn struct {
	Name        string         `json:"name"`
	Type        string         `json:"type,omitempty"`
	Description string         `json:"existing_description,omitempty"`
	PrimaryKey  bool           `json:"primary_key,omitempty"`
	References  string         `json:"references,omitempty"`
	Profile     *promptProfile `json:"profile,omitempty"`
}

type promptProfile struct {
	Min      *string  `json:"min,omitempty"`
	Max      *string  `json:"max,omitempty"`
	Nulls    *int64   `json:"null_count,omitempty"`
	Distinct *int64   `json:"distinct_estimate,omitempty"`
	Samples  []string `json:"sample_values,omitempty"`
}

type promptBody struct {
	Table     promptTable    `json:"table"`
	Described []promptColumn `json:"other_columns,omitempty"`
	Wanted    []promptColumn `json:"columns_to_describe"`
	AskTable  bool           `json:"describe_table"`
}

// BuildPrompt returns the prompt asking for the descriptions of the named columns of req
// (and of the table when askTable is true). The user message is a JSON document; samples go
// through SafeSamples, so nothing unmasked leaves the process. note, when not empty, tells
// the model what was wrong with its previous answer.
func BuildPrompt(req Request, want []string, askTable bool, note string) Prompt {
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w] = true
	}
	refs := make(map[string]lore.TableRef)
	for _, fk := range req.Table.ForeignKeys {
		if len(fk.Columns) == 1 {
			refs[fk.Columns[0]] = fk.Ref
		}
	}
	body := promptBody{Table: tableForPrompt(req), AskTable: askTable}
	for _, c := range req.Columns {
		pc := promptColumn{Name: c.Name, Type: c.Type, PrimaryKey: c.PrimaryKey}
		if c.References != nil {
			pc.References = refName(*c.References)
		} else if r, ok := refs[c.Name]; ok {
			pc.References = refName(r)
		}
		if wanted[c.Name] {
			pc.Profile = profileForPrompt(c.Name, c.Profile)
			body.Wanted = append(body.Wanted, pc)
			continue
		}
		if c.Description == "" {
			continue
		}
		pc.Description = clip(c.Description)
		body.Described = append(body.Described, pc)
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false) // the model should read "<email>", not "\u003cemail\u003e"
	enc.SetIndent("", " ")
	if err := enc.Encode(body); err != nil {
		// Only strings, numbers and slices: encoding cannot fail.
		panic(fmt.Sprintf("describe: encode prompt: %v", err))
	}
	var user strings.Builder
	if askTable {
		user.WriteString("Describe this table and the columns in columns_to_describe.\n")
	} else {
		user.WriteString(`Describe the columns in columns_to_describe; answer "table" with "".` + "\n")
	}
	if note != "" {
		user.WriteString("Your previous answer had a problem: " + note + "\n")
	}
	user.Write(bytes.TrimSpace(js.Bytes()))
	return Prompt{System: systemPrompt, User: user.String()}
}

func tableForPrompt(req Request) promptTable {
	t := req.Table
	pt := promptTable{
		Name:        refName(t.Ref),
		Kind:        t.Kind,
		Description: clip(req.TableDescription),
		RowCount:    req.RowCount,
		PrimaryKey:  t.PrimaryKey,
	}
	if pt.RowCount == nil && t.RowEstimate >= 0 {
		n := t.RowEstimate
		pt.RowCount = &n
	}
	for _, fk := range t.ForeignKeys {
		pt.ForeignKeys = append(pt.ForeignKeys, promptFK{
			Columns:    fk.Columns,
			References: refName(fk.Ref) + "(" + strings.Join(fk.RefColumns, ", ") + ")",
		})
	}
	for _, n := range req.Neighbours {
		pt.Neighbours = append(pt.Neighbours, promptNeighb{Name: refName(n.Ref), Description: clip(n.Description)})
	}
	return pt
}

func profileForPrompt(column string, p *lore.ColumnProfile) *promptProfile {
	if p == nil || p.SkipReason != "" {
		return nil
	}
	pp := &promptProfile{Nulls: p.NullCount, Distinct: p.DistinctEstimate, Samples: SafeSamples(column, p)}
	if !SensitiveName(column) {
		pp.Min, pp.Max = maskedPtr(p.Min), maskedPtr(p.Max)
	}
	if pp.Min == nil && pp.Max == nil && pp.Nulls == nil && pp.Distinct == nil && len(pp.Samples) == 0 {
		return nil
	}
	return pp
}

func maskedPtr(s *string) *string {
	if s == nil {
		return nil
	}
	m := MaskValue(*s)
	return &m
}

// refName names a table for the model: schema.table, the database being the same for all.
func refName(r lore.TableRef) string {
	if r.Schema == "" {
		return r.Name
	}
	return r.Schema + "." + r.Name
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxContextRunes {
		return string(r[:maxContextRunes]) + "…"
	}
	return s
}
