package contextpack

import (
	"strings"
	"testing"
)

// TestCountTokensMatchesTokenizer checks that counting chunk by chunk equals counting the whole
// text, on text built to straddle the pre-tokenizer's line-break rules.
func TestCountTokensMatchesTokenizer(t *testing.T) {
	t.Parallel()
	full, err := Build(tickitPersona(), tickitTables(true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := full.JSON()
	for _, s := range []string{
		"",
		"a",
		"line one\nline two\n",
		"ends with punctuation.\n\nnext\r\nwindows\r\n",
		"indented\n  continuation\n\t\ttabs\n \nx",
		"spaces before break   \nword\n\n\n  \n word",
		"unicode\n\u00a0nbsp\névé\n日本語\n- item",
		"numbers\n12345678\n1,234.5\n",
		"\n\n\nleading breaks",
		full.Markdown(),
		string(js),
		strings.Repeat("- col integer not null: desc [dbt]; e.g. 'a', 'b'\n", 50),
	} {
		got, err := CountTokens(s)
		if err != nil {
			t.Fatal(err)
		}
		if want := exactCount(t, s); got != want {
			t.Errorf("CountTokens(%.40q) = %d, tokenizer says %d", s, got, want)
		}
	}
}

// FuzzCountTokens checks that chunked, cached counting always equals the tokenizer's count.
func FuzzCountTokens(f *testing.F) {
	for _, s := range []string{"a\nb", "x.\n\n y", "\r\n\r\nz", " \n\t\n-", "é\nñ\n{\"a\":1}\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CountTokens(s)
		if err != nil {
			t.Skip(err)
		}
		if want := exactCount(t, s); got != want {
			t.Errorf("CountTokens(%q) = %d, tokenizer says %d", s, got, want)
		}
	})
}

func TestConcurrentBuilds(t *testing.T) {
	t.Parallel()
	want, err := Build(tickitPersona(), tickitTables(false), Options{BudgetTokens: 900})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			p, err := Build(tickitPersona(), tickitTables(false), Options{BudgetTokens: 900})
			switch {
			case err != nil:
				errs <- err.Error()
			case p.Markdown() != want.Markdown():
				errs <- "concurrent build gave another pack"
			default:
				errs <- ""
			}
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
