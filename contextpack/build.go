package contextpack

import (
	"fmt"
	"sort"

	"github.com/lorehq/lore"
)

// Build returns the context pack of persona p over its tables. Tables marked Removed are left
// out with a warning. With opts.BudgetTokens > 0, the least relevant parts are dropped until
// the rendering in opts.Format counts at most that many cl100k_base tokens, and the pack lists
// what it left out in Omitted. Build returns EINVALID for a negative budget, an unknown format,
// or a budget smaller than the smallest useful pack (persona name, instructions and one table
// name), saying how many tokens that needs.
func Build(p Persona, tables []Table, opts Options) (*Pack, error) {
	switch opts.Format {
	case "":
		opts.Format = FormatMarkdown
	case FormatMarkdown, FormatJSON:
	default:
		return nil, lore.Errorf(lore.EINVALID, "format %q is not supported; use format=markdown or format=json", opts.Format)
	}
	if opts.BudgetTokens < 0 {
		return nil, lore.Errorf(lore.EINVALID, "budget_tokens=%d is negative; give a positive number of tokens, or leave it out for no limit", opts.BudgetTokens)
	}
	if _, err := loadCodec(); err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", TokenizerName, err)
	}
	d := newDraft(p, tables, opts)
	s := &search{d: d, budget: opts.BudgetTokens}
	k, err := s.run()
	if err != nil {
		return nil, err
	}
	return s.finish(k)
}

// search finds how many units of the drop order to drop: as few as it can find in a few trial
// renderings. Each trial tokenizes only the lines no earlier trial has seen.
type search struct {
	d      *draft
	budget int
	trials int
}

// trial renders the pack with the first k units dropped and counts its tokens. For JSON the
// token field holds the budget, the widest number the final count can be.
func (s *search) trial(k int) (tokens, chars int, err error) {
	s.trials++
	s.d.apply(k)
	p := s.d.pack()
	p.Tokens = s.budget
	text, err := render(p)
	if err != nil {
		return 0, 0, err
	}
	n, err := CountTokens(text)
	return n, len(text), err
}

func render(p *Pack) (string, error) {
	if p.Format == FormatJSON {
		b, err := p.JSON()
		return string(b), err
	}
	return p.Markdown(), nil
}

// run returns the number of units to drop.
func (s *search) run() (int, error) {
	d, n := s.d, len(s.d.units)
	if s.budget == 0 {
		return 0, nil
	}
	// Is even the smallest pack too big?
	minTokens, _, err := s.trial(n)
	if err != nil {
		return 0, err
	}
	if minTokens > s.budget {
		return 0, lore.Errorf(lore.EINVALID, "budget_tokens=%d is too small: the smallest useful pack for this persona (its name, instructions, one table name and any warnings) needs %d tokens; ask for at least %d", s.budget, minTokens, minTokens)
	}
	d.measureUnits()
	prefix := make([]int, n+1) // prefix[k]: characters freed by dropping the first k units
	for i, u := range d.units {
		prefix[i+1] = prefix[i] + u.chars
	}
	d.apply(0)
	full := d.pack()
	full.Tokens = s.budget
	text, err := render(full)
	if err != nil {
		return 0, err
	}
	estimate := func(k int) int { return len(text) - prefix[k] }

	// Invariant: dropping hi units fits; dropping lo units does not (lo = -1: not known).
	lo, hi, hiTokens := -1, n, minTokens
	ratio := 3.5 // characters per token, refined by each trial
	offset := 0  // characters the estimate misses (the list of what was left out), refined too
	guessed := 0
	for hi-lo > 1 && hiTokens < s.budget-s.budget/50 && s.trials < 24 {
		target := int(float64(s.budget)*ratio) - offset
		k := sort.Search(n+1, func(k int) bool { return estimate(k) <= target })
		// Alternate estimate-led guesses with halving, so a biased estimate cannot stall.
		if k <= lo || k >= hi || guessed >= 2 {
			k, guessed = lo+(hi-lo)/2, 0
			if k <= lo {
				k = lo + 1
			}
		} else {
			guessed++
		}
		tokens, chars, err := s.trial(k)
		if err != nil {
			return 0, err
		}
		if tokens > 0 {
			ratio = float64(chars) / float64(tokens)
		}
		offset = chars - estimate(k)
		if tokens <= s.budget {
			hi, hiTokens, guessed = k, tokens, 0
		} else {
			lo = k
		}
	}
	return hi, nil
}

// finish renders the pack with the first k units dropped and records its exact token count.
func (s *search) finish(k int) (*Pack, error) {
	s.d.apply(k)
	p := s.d.pack()
	// JSON holds its own count: settle it, which takes a pass or two as the digits stabilise.
	p.Tokens = s.budget
	for range 4 {
		text, err := render(p)
		if err != nil {
			return nil, err
		}
		n, err := CountTokens(text)
		if err != nil {
			return nil, err
		}
		if n == p.Tokens {
			break
		}
		p.Tokens = n
		if p.Format == FormatMarkdown {
			break
		}
	}
	return p, nil
}
