package describe

import (
	"context"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	good := []string{
		`{"table": "T", "columns": {"a": "A"}}`,
		"Here you go:\n```json\n{\"table\": \"T\", \"columns\": {\"a\": \"A\"}}\n```",
		`{"table": {"description": "T"}, "columns": {"a": {"description": "A"}}}`,
		`{"table": "T", "columns": [{"name": "a", "description": "A"}]}`,
	}
	for _, in := range good {
		a, err := parseAnswer(in)
		if err != nil || a.Table != "T" || a.Columns["a"] != "A" {
			t.Errorf("parseAnswer(%q) = %+v, %v", in, a, err)
		}
	}
	for _, in := range []string{"", "no json here", `{"table": "T", "columns": "a: A"}`, `{"table": [1]}`, `{"columns": {"a": 1}`} {
		if _, err := parseAnswer(in); err == nil {
			t.Errorf("parseAnswer(%q) accepted", in)
		}
	}
	if got := cleanText("  \"Two\n lines\"  "); got != "Two lines" {
		t.Errorf("cleanText = %q", got)
	}
	if got := cleanText(strings.Repeat("word ", 300)); len([]rune(got)) > maxDescriptionRunes+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("long text not cut: %d runes", len([]rune(got)))
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add(`{"table": "T", "columns": {"a": "A"}}`)
	f.Add(`{"columns": [{"name": "a"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAnswer(s)
		if err == nil && a.Columns == nil {
			t.Error("nil columns without error")
		}
	})
}

type funcDescriber struct {
	name string
	fn   func(Request) (Result, error)
	n    int
}

func (d *funcDescriber) Describe(_ lore.Context, r Request) (Result, error) { d.n++; return d.fn(r) }
func (d *funcDescriber) Name() string                                       { return d.name }

func TestFallback(t *testing.T) {
	t.Parallel()
	authErr := ClassifyStatus("openai", "m", 401, nil)
	primary := &funcDescriber{name: "openai", fn: func(Request) (Result, error) { return Result{}, authErr }}
	secondary := &funcDescriber{name: "heuristic", fn: func(Request) (Result, error) {
		return Result{Source: SourceHeuristic, Columns: map[string]string{"a": "x"}}, nil
	}}
	f := NewFallback(primary, secondary)
	if f.Name() != "openai" || f.Failure() != nil {
		t.Fatal("fallback active before any failure")
	}
	for range 3 {
		res, err := f.Describe(context.Background(), Request{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Source != SourceHeuristic || !strings.Contains(res.FallbackReason, "API key") {
			t.Errorf("result = %+v", res)
		}
	}
	if primary.n != 1 || secondary.n != 3 || f.Name() != "heuristic" || f.Failure() == nil {
		t.Errorf("primary called %d times, secondary %d, name %s", primary.n, secondary.n, f.Name())
	}

	// A transient error is returned, not hidden behind heuristic text.
	busy := &funcDescriber{name: "openai", fn: func(Request) (Result, error) {
		return Result{}, ClassifyStatus("openai", "m", 429, nil)
	}}
	g := NewFallback(busy, secondary)
	if _, err := g.Describe(context.Background(), Request{}); lore.ErrorCode(err) != lore.ETOOMANY || g.Failure() != nil {
		t.Errorf("err = %v, failure = %v", err, g.Failure())
	}
}
