package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/contextpack"
)

// maxTableChoices bounds the tables listed per connection in the persona form.
const maxTableChoices = 5000

// defaultPreviewBudget is the token budget of the persona page's context preview.
const defaultPreviewBudget = 4000

// personasPage lists the personas the user can see.
type personasPage struct {
	Page
	Personas []*lore.Persona
}

// personaPage shows one persona and a preview of its context pack.
type personaPage struct {
	Page
	Persona *lore.Persona
	Tables  []tableChoice
	Teams   []*lore.Team
	// Budget is the preview's token budget as typed; Preview the Markdown pack, or PreviewError
	// why it could not be built.
	Budget       string
	Preview      string
	PreviewError string
	Pack         *contextpack.Pack
}

// personaFormPage is the create or edit form of a persona.
type personaFormPage struct {
	Page
	Persona *lore.Persona // nil when creating
	Form    personaForm
	Tables  []tableChoice
	Teams   []*lore.Team
}

// personaForm holds what the user typed, to show it again after an error.
type personaForm struct {
	Name, Description, Instructions string
	// Glossary is one term a line: "term | definition | keyword, keyword".
	Glossary string
	TableIDs map[int64]bool
	TeamIDs  map[int64]bool
}

// tableChoice is a processed table offered in the persona form.
type tableChoice struct {
	ID         int64
	Connection string
	Name       string
}

// tableChoices lists the processed tables of every connection, by connection.
func (s *Server) tableChoices(ctx context.Context) ([]tableChoice, error) {
	conns, err := s.catalog.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	var out []tableChoice
	for _, c := range conns {
		ts, err := s.catalog.ListTables(ctx, c.ID, "", maxTableChoices, 0)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, tableChoice{ID: t.ID, Connection: c.Name, Name: t.Ref().String()})
		}
	}
	return out, nil
}

// formOf returns the form of an existing persona.
func formOf(p *lore.Persona) personaForm {
	f := personaForm{Name: p.Name, Description: p.Description, Instructions: p.Instructions,
		TableIDs: map[int64]bool{}, TeamIDs: map[int64]bool{}}
	for _, id := range p.TableIDs {
		f.TableIDs[id] = true
	}
	for _, id := range p.TeamIDs {
		f.TeamIDs[id] = true
	}
	lines := make([]string, 0, len(p.Glossary))
	for _, g := range p.Glossary {
		line := g.Term + " | " + g.Definition
		if len(g.Keywords) > 0 {
			line += " | " + strings.Join(g.Keywords, ", ")
		}
		lines = append(lines, line)
	}
	f.Glossary = strings.Join(lines, "\n")
	return f
}

// readPersonaForm parses a posted persona form into the form and a persona.
func readPersonaForm(r *http.Request) (personaForm, *lore.Persona, error) {
	f := personaForm{TableIDs: map[int64]bool{}, TeamIDs: map[int64]bool{}}
	if err := r.ParseForm(); err != nil {
		return f, nil, err
	}
	f.Name = r.PostForm.Get("name")
	f.Description = r.PostForm.Get("description")
	f.Instructions = r.PostForm.Get("instructions")
	f.Glossary = r.PostForm.Get("glossary")
	p := &lore.Persona{Name: f.Name, Description: f.Description, Instructions: f.Instructions,
		TableIDs: []int64{}, TeamIDs: []int64{}}
	ids := func(key string, set map[int64]bool) ([]int64, error) {
		var out []int64
		for _, v := range r.PostForm[key] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, lore.Errorf(lore.EINVALID, "%q is not a valid id. Reload the page and try again.", v)
			}
			set[id] = true
			out = append(out, id)
		}
		return out, nil
	}
	var err error
	if p.TableIDs, err = ids("table_ids", f.TableIDs); err != nil {
		return f, nil, err
	}
	if p.TeamIDs, err = ids("team_ids", f.TeamIDs); err != nil {
		return f, nil, err
	}
	if p.Glossary, err = parseGlossary(f.Glossary); err != nil {
		return f, nil, err
	}
	return f, p, nil
}

// parseGlossary reads one term a line, "term | definition | keyword, keyword"; blank lines are
// skipped and keywords are optional.
func parseGlossary(text string) ([]lore.GlossaryTerm, error) {
	terms := []lore.GlossaryTerm{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		if len(parts) < 2 {
			return nil, lore.Errorf(lore.EINVALID,
				"Glossary line %d has no definition: write \"term | definition | keyword, keyword\".", i+1)
		}
		g := lore.GlossaryTerm{Term: strings.TrimSpace(parts[0]), Definition: strings.TrimSpace(parts[1]), Keywords: []string{}}
		if len(parts) == 3 {
			for _, k := range strings.Split(parts[2], ",") {
				if k = strings.TrimSpace(k); k != "" {
					g.Keywords = append(g.Keywords, k)
				}
			}
		}
		terms = append(terms, g)
	}
	return terms, nil
}

func (s *Server) personasPage(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.catalog.ListPersonas(r.Context(), userFrom(r.Context()))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "personas", &personasPage{Page: Page{Title: "Personas", Nav: "personas"}, Personas: ps})
	return nil
}

// personaFormPage renders the form; p is nil when creating.
func (s *Server) renderPersonaForm(w http.ResponseWriter, r *http.Request, formErr error, p *lore.Persona, f personaForm) error {
	tables, err := s.tableChoices(r.Context())
	if err != nil {
		return err
	}
	teams, err := s.store.ListTeams(r.Context())
	if err != nil {
		return err
	}
	title := "New persona"
	if p != nil {
		title = "Edit " + p.Name
	}
	data := &personaFormPage{Page: Page{Title: title, Nav: "personas"}, Persona: p, Form: f, Tables: tables, Teams: teams}
	if formErr != nil {
		s.renderForm(w, r, formErr, "persona_form", data)
		return nil
	}
	s.render(w, r, http.StatusOK, "persona_form", data)
	return nil
}

func (s *Server) personaNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderPersonaForm(w, r, nil, nil, personaForm{TableIDs: map[int64]bool{}, TeamIDs: map[int64]bool{}})
}

func (s *Server) personaCreate(w http.ResponseWriter, r *http.Request) error {
	f, p, err := readPersonaForm(r)
	if err == nil {
		err = s.catalog.CreatePersona(r.Context(), userFrom(r.Context()), p)
	}
	if err != nil {
		return s.renderPersonaForm(w, r, err, nil, f)
	}
	s.setFlash(w, "success", fmt.Sprintf("Persona %q created.", p.Name))
	redirect(w, r, fmt.Sprintf("/personas/%d", p.ID))
	return nil
}

func (s *Server) personaEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := s.personaOf(r)
	if err != nil {
		return err
	}
	return s.renderPersonaForm(w, r, nil, p, formOf(p))
}

func (s *Server) personaUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.personaOf(r)
	if err != nil {
		return err
	}
	f, p, err := readPersonaForm(r)
	if err == nil {
		p.ID, p.CreatedAt = old.ID, old.CreatedAt
		err = s.catalog.UpdatePersona(r.Context(), userFrom(r.Context()), p)
	}
	if err != nil {
		return s.renderPersonaForm(w, r, err, old, f)
	}
	s.setFlash(w, "success", fmt.Sprintf("Persona %q saved.", p.Name))
	redirect(w, r, fmt.Sprintf("/personas/%d", p.ID))
	return nil
}

func (s *Server) personaDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "persona")
	if err != nil {
		return err
	}
	if err := s.catalog.DeletePersona(r.Context(), userFrom(r.Context()), id); err != nil {
		return err
	}
	s.setFlash(w, "success", "Persona deleted.")
	redirect(w, r, "/personas")
	return nil
}

// personaOf loads the persona of the {id} path value as the signed-in user.
func (s *Server) personaOf(r *http.Request) (*lore.Persona, error) {
	id, err := pathID(r, "persona")
	if err != nil {
		return nil, err
	}
	return s.catalog.GetPersona(r.Context(), userFrom(r.Context()), id)
}

// personaView shows a persona with its tables, teams and a context preview. The preview's
// budget comes from ?budget_tokens=; a budget too small shows the reason in place of the pack.
func (s *Server) personaView(w http.ResponseWriter, r *http.Request) error {
	p, err := s.personaOf(r)
	if err != nil {
		return err
	}
	data := &personaPage{Page: Page{Title: p.Name, Nav: "personas"}, Persona: p}
	if data.Tables, err = s.personaTables(r.Context(), p); err != nil {
		return err
	}
	if data.Teams, err = s.personaTeams(r.Context(), p); err != nil {
		return err
	}
	q := r.URL.Query()
	data.Budget = strings.TrimSpace(q.Get("budget_tokens"))
	if !q.Has("budget_tokens") {
		data.Budget = strconv.Itoa(defaultPreviewBudget)
		q.Set("budget_tokens", data.Budget)
	}
	q.Set("format", contextpack.FormatMarkdown)
	opts, err := contextOptions(q)
	if err == nil {
		data.Pack, err = s.catalog.Context(r.Context(), userFrom(r.Context()), p.ID, opts)
	}
	switch {
	case err == nil:
		data.Preview = data.Pack.Markdown()
	case lore.ErrorCode(err) == lore.EINVALID:
		data.PreviewError = lore.ErrorMessage(err)
	default:
		return err
	}
	s.render(w, r, http.StatusOK, "persona", data)
	return nil
}

// personaTables returns the persona's tables that are still processed, by name.
func (s *Server) personaTables(ctx context.Context, p *lore.Persona) ([]tableChoice, error) {
	all, err := s.tableChoices(ctx)
	if err != nil {
		return nil, err
	}
	var out []tableChoice
	for _, t := range all {
		if slices.Contains(p.TableIDs, t.ID) {
			out = append(out, t)
		}
	}
	return out, nil
}

// personaTeams returns the teams the persona is shared with.
func (s *Server) personaTeams(ctx context.Context, p *lore.Persona) ([]*lore.Team, error) {
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	var out []*lore.Team
	for _, t := range teams {
		if slices.Contains(p.TeamIDs, t.ID) {
			out = append(out, t)
		}
	}
	return out, nil
}
