package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// maxDescriptionRunes caps a generated description; longer text is cut at a word.
const maxDescriptionRunes = 600

// answer is a model's answer after parsing: the table description and column descriptions by
// the names the model used.
type answer struct {
	Table   string
	Columns map[string]string
}

var errNoJSON = errors.New("the answer holds no JSON object")

// parseAnswer reads a model's answer. It accepts the asked-for form
// {"table": "...", "columns": {"col": "..."}} and, because models drift, also columns as
// {"col": {"description": "..."}} or [{"name": "col", "description": "..."}], and JSON
// wrapped in a Markdown code fence or surrounded by prose.
func parseAnswer(text string) (answer, error) {
	raw := extractObject(text)
	if raw == nil {
		return answer{}, errNoJSON
	}
	var top struct {
		Table   json.RawMessage `json:"table"`
		Columns json.RawMessage `json:"columns"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return answer{}, err
	}
	a := answer{Columns: map[string]string{}}
	if len(top.Table) > 0 && !bytes.Equal(top.Table, []byte("null")) {
		if err := json.Unmarshal(top.Table, &a.Table); err != nil {
			var obj struct {
				Description string `json:"description"`
			}
			if err := json.Unmarshal(top.Table, &obj); err != nil {
				return answer{}, errors.New(`"table" is not a string`)
			}
			a.Table = obj.Description
		}
	}
	if len(top.Columns) == 0 || bytes.Equal(top.Columns, []byte("null")) {
		return a, nil
	}
	var flat map[string]string
	if json.Unmarshal(top.Columns, &flat) == nil {
		a.Columns = flat
		return a, nil
	}
	var nested map[string]struct {
		Description string `json:"description"`
	}
	if json.Unmarshal(top.Columns, &nested) == nil {
		for k, v := range nested {
			a.Columns[k] = v.Description
		}
		return a, nil
	}
	var list []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if json.Unmarshal(top.Columns, &list) == nil {
		for _, v := range list {
			a.Columns[v.Name] = v.Description
		}
		return a, nil
	}
	return answer{}, errors.New(`"columns" is not an object of column name to description`)
}

// extractObject returns the outermost JSON object in text, or nil.
func extractObject(text string) []byte {
	start := strings.IndexByte(text, '{')
	end := strings.LastIndexByte(text, '}')
	if start < 0 || end < start {
		return nil
	}
	return []byte(text[start : end+1])
}

// cleanText normalises a generated description: one line, no surrounding quotes, capped.
func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(s, "\"'` ")
	r := []rune(s)
	if len(r) <= maxDescriptionRunes {
		return s
	}
	cut := string(r[:maxDescriptionRunes])
	if i := strings.LastIndexByte(cut, ' '); i > maxDescriptionRunes/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
