package describe

import (
	"testing"
	"time"
)

func TestPick(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ai := Candidate{Text: "ai text", Source: SourceAI, Model: "m", UpdatedAt: t0.Add(time.Hour)}
	heur := Candidate{Text: "heuristic text", Source: SourceHeuristic, UpdatedAt: t0.Add(2 * time.Hour)}
	dbt := Candidate{Text: "dbt text", Source: SourceDBT, UpdatedAt: t0}
	comment := Candidate{Text: "comment", Source: SourceComment, UpdatedAt: t0}
	human := Candidate{Text: "human", Source: SourceHuman, UpdatedAt: t0}
	humanBlank := Candidate{Text: "", Source: SourceHuman, UpdatedAt: t0}
	staleAI := ai
	staleAI.Stale = true
	newerAI := ai
	newerAI.Text, newerAI.UpdatedAt = "newer ai", t0.Add(3*time.Hour)

	tests := []struct {
		name  string
		cands []Candidate
		want  string
		ok    bool
	}{
		{"empty", nil, "", false},
		{"heuristic only", []Candidate{heur}, "heuristic text", true},
		{"ai beats heuristic", []Candidate{heur, ai}, "ai text", true},
		{"comment beats ai", []Candidate{ai, comment, heur}, "comment", true},
		{"dbt beats comment", []Candidate{comment, dbt}, "dbt text", true},
		{"human beats all", []Candidate{dbt, human, ai}, "human", true},
		{"blank human locks", []Candidate{dbt, humanBlank}, "", true},
		{"blank dbt ignored", []Candidate{{Source: SourceDBT}, ai}, "ai text", true},
		{"stale ai still shown", []Candidate{staleAI, heur}, "ai text", true},
		{"newest of a source", []Candidate{ai, newerAI}, "newer ai", true},
		{"fresh beats stale of a source", []Candidate{newerAI, staleAI}, "newer ai", true},
		{"unknown source ignored", []Candidate{{Text: "x", Source: "bogus"}}, "", false},
	}
	for _, tt := range tests {
		got, ok := Pick(tt.cands)
		if ok != tt.ok || got.Text != tt.want {
			t.Errorf("%s: Pick = %q, %v; want %q, %v", tt.name, got.Text, ok, tt.want, tt.ok)
		}
	}
}

func TestCanReplace(t *testing.T) {
	t.Parallel()
	c := func(src, text string) Candidate { return Candidate{Source: src, Text: text} }
	tests := []struct {
		existing, incoming Candidate
		want               bool
	}{
		{c(SourceHuman, "h"), c(SourceAI, "a"), false},
		{c(SourceHuman, "h"), c(SourceDBT, "d"), false},
		{c(SourceHuman, ""), c(SourceAI, "a"), false}, // a cleared field stays locked
		{c(SourceHuman, "h"), c(SourceHuman, "h2"), true},
		{c(SourceDBT, "d"), c(SourceAI, "a"), false},
		{c(SourceComment, "c"), c(SourceHeuristic, "x"), false},
		{c(SourceComment, "c"), c(SourceDBT, "d"), true},
		{c(SourceAI, "a"), c(SourceAI, "a2"), true},
		{c(SourceAI, "a"), c(SourceHeuristic, "x"), false},
		{c(SourceHeuristic, "x"), c(SourceAI, "a"), true},
		{c(SourceDBT, ""), c(SourceAI, "a"), true},
		{c(SourceAI, "a"), c("bogus", "b"), false},
	}
	for _, tt := range tests {
		if got := CanReplace(tt.existing, tt.incoming); got != tt.want {
			t.Errorf("CanReplace(%s %q, %s) = %v, want %v", tt.existing.Source, tt.existing.Text, tt.incoming.Source, got, tt.want)
		}
	}
}

func TestNeedsAndStale(t *testing.T) {
	t.Parallel()
	basis := Basis("OrderID", "INTEGER")
	cands := []Candidate{
		{Text: "ai", Source: SourceAI, Basis: basis},
		{Text: "dbt", Source: SourceDBT, Basis: "ignored"},
	}
	if Needs(cands, SourceAI) {
		t.Error("Needs AI with dbt text shown")
	}
	if Needs(cands[:1], SourceAI) {
		t.Error("Needs AI with fresh AI text")
	}
	if !Needs(nil, SourceHeuristic) {
		t.Error("Needs heuristic with nothing")
	}
	if MarkStale(cands, Basis("orderid", "integer")) {
		t.Error("MarkStale changed candidates although only case differs")
	}
	if !MarkStale(cands, Basis("order_id", "bigint")) {
		t.Fatal("MarkStale did not mark the AI text after a type change")
	}
	if !cands[0].Stale || cands[1].Stale {
		t.Errorf("stale flags = %v, %v; want true, false", cands[0].Stale, cands[1].Stale)
	}
	if !Needs(cands[:1], SourceAI) {
		t.Error("Needs AI with stale AI text = false")
	}
	if Label(cands[0]) != "AI, stale: the column changed since" {
		t.Errorf("Label = %q", Label(cands[0]))
	}
	if l := Label(Candidate{Source: SourceHeuristic}); l != "Heuristic (offline, not AI)" {
		t.Errorf("heuristic label = %q", l)
	}
}
