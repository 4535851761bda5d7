// Package describe decides which description of a table or column Lore shows and writes the
// missing ones. Every description is stored with its source; Pick applies the precedence
// human edit > dbt > warehouse comment > AI > offline heuristic. Subpackages import dbt
// artifacts (dbt), talk to AI providers (openaicompat, bedrock) and write offline descriptions
// from names, types and profiles (heuristic).
package describe

import (
	"strings"
	"time"
)

// Sources of a description, as stored and shown.
const (
	SourceHuman     = "human"
	SourceDBT       = "dbt"
	SourceComment   = "comment"
	SourceAI        = "ai"
	SourceHeuristic = "heuristic"
)

// Rank returns the precedence of source: higher wins. Unknown sources rank 0, below everything.
func Rank(source string) int {
	switch source {
	case SourceHuman:
		return 5
	case SourceDBT:
		return 4
	case SourceComment:
		return 3
	case SourceAI:
		return 2
	case SourceHeuristic:
		return 1
	}
	return 0
}

// Label returns the words the portal shows for source, e.g. "AI (gpt-4o-mini)" or
// "Heuristic (offline)". Heuristic text is never labelled as AI.
func Label(c Candidate) string {
	switch c.Source {
	case SourceHuman:
		return "Edited by a person"
	case SourceDBT:
		return "dbt"
	case SourceComment:
		return "Warehouse comment"
	case SourceAI:
		l := "AI"
		if c.Model != "" {
			l += " (" + c.Model + ")"
		}
		if c.Stale {
			l += ", stale: the column changed since"
		}
		return l
	case SourceHeuristic:
		return "Heuristic (offline, not AI)"
	}
	return c.Source
}

// Candidate is one stored description of a table or column from one source. Provider and
// Model are set for AI text; Basis records the column name and type the text was written for
// (see Basis), so machine-written text can be marked stale when they change.
type Candidate struct {
	Text      string    `json:"text"`
	Source    string    `json:"source"`
	Provider  string    `json:"provider,omitempty"`
	Model     string    `json:"model,omitempty"`
	Basis     string    `json:"basis,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Stale     bool      `json:"stale,omitempty"`
}

// Pick returns the candidate to show: the one of highest rank, the newest among equals. A
// human candidate always wins, even with empty text (the person cleared the field on
// purpose, and that locks it). Other candidates with empty text are ignored. Stale AI text is
// still shown, with Stale set. ok is false when there is nothing to show.
func Pick(cands []Candidate) (best Candidate, ok bool) {
	for _, c := range cands {
		if c.Source != SourceHuman && strings.TrimSpace(c.Text) == "" {
			continue
		}
		if Rank(c.Source) == 0 {
			continue
		}
		if !ok || better(c, best) {
			best, ok = c, true
		}
	}
	return best, ok
}

func better(a, b Candidate) bool {
	if ra, rb := Rank(a.Source), Rank(b.Source); ra != rb {
		return ra > rb
	}
	if a.Stale != b.Stale {
		return !a.Stale
	}
	return a.UpdatedAt.After(b.UpdatedAt)
}

// CanReplace reports whether incoming may replace existing as the shown description. A human
// edit replaces anything and is replaced only by another human edit (it locks the field);
// otherwise a source replaces text of the same or lower rank, so AI and heuristic text never
// replace dbt text or a warehouse comment.
func CanReplace(existing, incoming Candidate) bool {
	if Rank(incoming.Source) == 0 {
		return false
	}
	if existing.Source == SourceHuman {
		return incoming.Source == SourceHuman
	}
	if strings.TrimSpace(existing.Text) == "" {
		return true
	}
	return Rank(incoming.Source) >= Rank(existing.Source)
}

// Needs reports whether writing a description from source would change what is shown: there
// is none yet, the shown one ranks lower, or it comes from the same source and is stale. Jobs
// ask it before spending an AI request on a column.
func Needs(cands []Candidate, source string) bool {
	best, ok := Pick(cands)
	if !ok {
		return true
	}
	if Rank(best.Source) < Rank(source) {
		return true
	}
	return best.Source == source && best.Stale
}

// Basis returns the fingerprint of a column that machine-written text depends on: its name and
// type, case-folded. Store it with AI and heuristic candidates and compare it with MarkStale.
func Basis(column, typ string) string {
	return strings.ToLower(strings.TrimSpace(column)) + ":" + strings.ToLower(strings.Join(strings.Fields(typ), " "))
}

// MarkStale sets Stale on the AI and heuristic candidates in cands whose Basis is recorded and
// differs from basis (the column was renamed or its type changed). It reports whether any
// candidate changed. Human, dbt and comment text are never marked.
func MarkStale(cands []Candidate, basis string) bool {
	changed := false
	for i := range cands {
		c := &cands[i]
		if c.Source != SourceAI && c.Source != SourceHeuristic {
			continue
		}
		if c.Basis != "" && c.Basis != basis && !c.Stale {
			c.Stale = true
			changed = true
		}
	}
	return changed
}
