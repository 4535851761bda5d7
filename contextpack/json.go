package contextpack

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// JSON renders the pack as JSON, one table head, column, join, term, warning and omission per
// line. Write these bytes as the response: for FormatJSON packs, Tokens is the token count of
// exactly this text. Compacted, it equals json.Marshal of the pack without HTML escaping.
func (p *Pack) JSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"persona":`)
	if err := writeJSON(&b, p.Persona); err != nil {
		return nil, err
	}
	b.WriteString(",\n" + `"tables":`)
	if len(p.Tables) == 0 {
		b.WriteString("[]")
	} else {
		b.WriteString("[\n")
		for i := range p.Tables {
			if i > 0 {
				b.WriteString(",\n")
			}
			if err := writeTable(&b, &p.Tables[i]); err != nil {
				return nil, err
			}
		}
		b.WriteString("]")
	}
	for _, f := range []struct {
		key  string
		list func() []any
	}{
		{"joins", func() []any { return anys(p.Joins) }},
		{"glossary", func() []any { return anys(p.Glossary) }},
		{"warnings", func() []any { return anys(p.Warnings) }},
		{"omitted", func() []any { return anys(p.Omitted) }},
	} {
		b.WriteString(",\n\"" + f.key + "\":")
		if err := writeList(&b, f.list()); err != nil {
			return nil, err
		}
	}
	b.WriteString(",\n" + `"format":`)
	if err := writeJSON(&b, p.Format); err != nil {
		return nil, err
	}
	b.WriteString(`,"tokenizer":`)
	if err := writeJSON(&b, p.Tokenizer); err != nil {
		return nil, err
	}
	b.WriteString(`,"tokens":` + strconv.Itoa(p.Tokens))
	if p.Budget != 0 {
		b.WriteString(`,"budget_tokens":` + strconv.Itoa(p.Budget))
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// writeTable writes a table with one column per line, keeping the field order of json.Marshal.
func writeTable(b *bytes.Buffer, t *PackTable) error {
	head := *t
	head.Columns, head.OmittedColumns = nil, 0
	var hb bytes.Buffer
	if err := writeJSON(&hb, head); err != nil {
		return err
	}
	const tail = `"columns":null}`
	s := hb.Bytes()
	b.Write(s[:len(s)-len(tail)])
	b.WriteString(`"columns":`)
	cols := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c
	}
	if err := writeList(b, cols); err != nil {
		return err
	}
	if t.OmittedColumns != 0 {
		b.WriteString(`,"omitted_columns":` + strconv.Itoa(t.OmittedColumns))
	}
	b.WriteString("}")
	return nil
}

func writeList(b *bytes.Buffer, items []any) error {
	if len(items) == 0 {
		b.WriteString("[]")
		return nil
	}
	b.WriteString("[\n")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",\n")
		}
		if err := writeJSON(b, it); err != nil {
			return err
		}
	}
	b.WriteString("]")
	return nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// writeJSON writes v compactly without escaping <, > and &, which would cost tokens.
func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode ends with a newline
	return nil
}

// jsonLen returns the length of v as compact JSON, or 0 when it cannot be encoded.
func jsonLen(v any) int {
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return 0
	}
	return b.Len()
}
