package lore

import "time"

// Persona groups processed tables, instructions and glossary terms for the AI analysts of teams.
type Persona struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Instructions string         `json:"instructions"`
	TableIDs     []int64        `json:"table_ids"`
	TeamIDs      []int64        `json:"team_ids"`
	Glossary     []GlossaryTerm `json:"glossary"`
	// Warnings name tables that were dropped or deselected since they were added.
	Warnings  []string  `json:"warnings,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// GlossaryTerm is a business term the AI analyst should know.
type GlossaryTerm struct {
	Term       string   `json:"term"`
	Definition string   `json:"definition"`
	Keywords   []string `json:"keywords"`
}
