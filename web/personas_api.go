package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/contextpack"
)

// personaInput is the JSON body of POST and PATCH /api/v1/personas; PATCH may leave fields out
// and keeps the stored value of each one left out.
type personaInput struct {
	Name         *string              `json:"name"`
	Description  *string              `json:"description"`
	Instructions *string              `json:"instructions"`
	TableIDs     *[]int64             `json:"table_ids"`
	TeamIDs      *[]int64             `json:"team_ids"`
	Glossary     *[]lore.GlossaryTerm `json:"glossary"`
}

// apply copies the fields present in in onto p.
func (in *personaInput) apply(p *lore.Persona) {
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Instructions != nil {
		p.Instructions = *in.Instructions
	}
	if in.TableIDs != nil {
		p.TableIDs = *in.TableIDs
	}
	if in.TeamIDs != nil {
		p.TeamIDs = *in.TeamIDs
	}
	if in.Glossary != nil {
		p.Glossary = *in.Glossary
	}
}

func (s *Server) apiPersonas(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.catalog.ListPersonas(r.Context(), userFrom(r.Context()))
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []*lore.Persona{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"personas": ps})
	return nil
}

func (s *Server) apiPersona(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "persona")
	if err != nil {
		return err
	}
	p, err := s.catalog.GetPersona(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiPersonaCreate(w http.ResponseWriter, r *http.Request) error {
	var in personaInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := &lore.Persona{}
	in.apply(p)
	if err := s.catalog.CreatePersona(r.Context(), userFrom(r.Context()), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiPersonaUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "persona")
	if err != nil {
		return err
	}
	var in personaInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u := userFrom(r.Context())
	p, err := s.catalog.GetPersona(r.Context(), u, id)
	if err != nil {
		return err
	}
	in.apply(p)
	if err := s.catalog.UpdatePersona(r.Context(), u, p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiPersonaDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "persona")
	if err != nil {
		return err
	}
	if err := s.catalog.DeletePersona(r.Context(), userFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// contextOptions reads format, budget_tokens and query from a query string. A missing format
// is Markdown; a missing or empty budget means no limit.
func contextOptions(q url.Values) (contextpack.Options, error) {
	opts := contextpack.Options{Format: strings.TrimSpace(q.Get("format")), Query: strings.TrimSpace(q.Get("query"))}
	if opts.Format == "" {
		opts.Format = contextpack.FormatMarkdown
	}
	if opts.Format != contextpack.FormatMarkdown && opts.Format != contextpack.FormatJSON {
		return opts, lore.Errorf(lore.EINVALID, "format=%q is not supported; use format=markdown or format=json.", opts.Format)
	}
	if b := strings.TrimSpace(q.Get("budget_tokens")); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 0 {
			return opts, lore.Errorf(lore.EINVALID, "budget_tokens=%q is not a whole number of tokens; give a positive number, or leave it out for no limit.", b)
		}
		opts.BudgetTokens = n
	}
	return opts, nil
}

// apiPersonaContext serves a persona's context pack as text/markdown or as the pack's JSON.
func (s *Server) apiPersonaContext(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "persona")
	if err != nil {
		return err
	}
	opts, err := contextOptions(r.URL.Query())
	if err != nil {
		return err
	}
	pack, err := s.catalog.Context(r.Context(), userFrom(r.Context()), id, opts)
	if err != nil {
		return err
	}
	body, ctype, err := renderPack(pack, opts.Format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// renderPack returns the pack in format with its content type.
func renderPack(pack *contextpack.Pack, format string) ([]byte, string, error) {
	if format == contextpack.FormatJSON {
		b, err := pack.JSON()
		return b, "application/json; charset=utf-8", err
	}
	return []byte(pack.Markdown()), "text/markdown; charset=utf-8", nil
}
