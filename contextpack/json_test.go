package contextpack

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONShape(t *testing.T) {
	t.Parallel()
	tables := tickitTables(true)
	tables[0].Removed = true
	pack := build(t, tickitPersona(), tables, Options{Format: FormatJSON, BudgetTokens: 2000})
	raw, err := pack.JSON()
	if err != nil {
		t.Fatal(err)
	}
	// Compacted, JSON() is what json.Marshal writes for the pack (without HTML escaping).
	var compact, marshalled bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		t.Fatalf("JSON() is not valid JSON: %v\n%s", err, raw)
	}
	enc := json.NewEncoder(&marshalled)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pack); err != nil {
		t.Fatal(err)
	}
	if compact.String() != strings.TrimSpace(marshalled.String()) {
		t.Errorf("JSON() differs from json.Marshal:\n%s\n%s", compact.String(), marshalled.String())
	}

	var doc struct {
		Persona  map[string]any   `json:"persona"`
		Tables   []map[string]any `json:"tables"`
		Joins    []map[string]any `json:"joins"`
		Glossary []map[string]any `json:"glossary"`
		Warnings []string         `json:"warnings"`
		Omitted  []map[string]any `json:"omitted"`
		Format   string           `json:"format"`
		Tokens   int              `json:"tokens"`
		Budget   int              `json:"budget_tokens"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Persona["name"] != "Ticket sales analyst" || doc.Format != "json" || doc.Budget != 2000 || doc.Tokens != pack.Tokens {
		t.Errorf("persona %v format %q budget %d tokens %d", doc.Persona, doc.Format, doc.Budget, doc.Tokens)
	}
	if len(doc.Tables) == 0 || len(doc.Joins) == 0 || len(doc.Warnings) != 1 || len(doc.Omitted) == 0 || len(doc.Glossary) == 0 {
		t.Fatalf("missing parts: %s", raw)
	}
	first := doc.Tables[0]
	for _, k := range []string{"database", "schema", "table", "id", "kind", "row_estimate", "columns"} {
		if _, ok := first[k]; !ok {
			t.Errorf("table lacks %q: %v", k, first)
		}
	}
	col := first["columns"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "type", "nullable"} {
		if _, ok := col[k]; !ok {
			t.Errorf("column lacks %q: %v", k, col)
		}
	}
	j := doc.Joins[0]
	from := j["from"].(map[string]any)
	if _, ok := from["columns"]; !ok || from["table"] == nil || j["reason"] == nil || j["inferred"] == nil {
		t.Errorf("join shape: %v", j)
	}
	for _, o := range doc.Omitted {
		for _, k := range []string{"kind", "count", "what", "why"} {
			if _, ok := o[k]; !ok {
				t.Errorf("omission lacks %q: %v", k, o)
			}
		}
	}
	for _, key := range []string{`"sourceRef"`, `"RowEstimate"`, `"Columns"`} {
		if strings.Contains(string(raw), key) {
			t.Errorf("JSON has a key that is not snake_case: %s", key)
		}
	}
}

func TestJSONDescriptionSources(t *testing.T) {
	t.Parallel()
	pack := build(t, tickitPersona(), tickitTables(false), Options{Format: FormatJSON})
	raw, _ := pack.JSON()
	want := `{"name":"city","type":"varchar(30)","nullable":true,"description":{"text":"Home city of the user.","source":"ai","model":"gpt-4o-mini","stale":true},"profile":{"null_count":0,"distinct_estimate":4300,"samples":["Kent","Moultrie","Hope"]}}`
	if !strings.Contains(string(raw), want) {
		t.Errorf("JSON lacks %s\n%s", want, raw)
	}
}
