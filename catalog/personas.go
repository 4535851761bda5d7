package catalog

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/contextpack"
	"github.com/lorehq/lore/store"
)

// canSee reports whether u may use persona p: admins always, members through one of its teams.
func canSee(u *lore.User, p *lore.Persona) bool {
	if u.IsAdmin() {
		return true
	}
	for _, t := range p.TeamIDs {
		if slices.Contains(u.TeamIDs, t) {
			return true
		}
	}
	return false
}

var errNoAccess = lore.Errorf(lore.EFORBIDDEN, "You do not have access to this persona; ask an admin to add your team to it.")

// ListPersonas returns the personas u may use: all for admins, their teams' for members.
func (s *Service) ListPersonas(ctx context.Context, u *lore.User) ([]*lore.Persona, error) {
	all, err := s.Store.ListPersonas(ctx)
	if err != nil {
		return nil, err
	}
	out := []*lore.Persona{}
	for _, p := range all {
		if canSee(u, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// GetPersona returns a persona u may use. A persona of another team, and one that does not
// exist, both get EFORBIDDEN for members, so names and ids do not leak.
func (s *Service) GetPersona(ctx context.Context, u *lore.User, id int64) (*lore.Persona, error) {
	p, err := s.Store.FindPersona(ctx, id)
	if lore.ErrorCode(err) == lore.ENOTFOUND && !u.IsAdmin() {
		return nil, errNoAccess
	} else if err != nil {
		return nil, err
	}
	if !canSee(u, p) {
		return nil, errNoAccess
	}
	return p, nil
}

func validatePersona(p *lore.Persona) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return lore.Errorf(lore.EINVALID, "Give the persona a name.")
	}
	if len(p.Name) > lore.MaxNameLen || len(p.Description) > 4000 || len(p.Instructions) > 20000 {
		return lore.Errorf(lore.EINVALID, "Name (200), description (4000) or instructions (20000 characters) too long.")
	}
	if len(p.Glossary) > 500 {
		return lore.Errorf(lore.EINVALID, "At most 500 glossary terms.")
	}
	for i, g := range p.Glossary {
		g.Term = strings.TrimSpace(g.Term)
		if g.Term == "" || strings.TrimSpace(g.Definition) == "" {
			return lore.Errorf(lore.EINVALID, "Glossary term %d needs a term and a definition.", i+1)
		}
		if g.Keywords == nil {
			g.Keywords = []string{}
		}
		p.Glossary[i] = g
	}
	return nil
}

// CreatePersona creates a persona (admins only) with processed tables only.
func (s *Service) CreatePersona(ctx context.Context, u *lore.User, p *lore.Persona) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	p.ID = 0
	if err := validatePersona(p); err != nil {
		return err
	}
	if err := s.checkPersonaTables(ctx, p.TableIDs); err != nil {
		return err
	}
	if err := s.Store.SavePersona(ctx, p); err != nil {
		return err
	}
	s.audit(ctx, u, "persona.create", p.Name, fmt.Sprintf("%d tables, %d teams", len(p.TableIDs), len(p.TeamIDs)))
	return nil
}

// UpdatePersona replaces a persona (admins only).
func (s *Service) UpdatePersona(ctx context.Context, u *lore.User, p *lore.Persona) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	if err := validatePersona(p); err != nil {
		return err
	}
	if err := s.checkPersonaTables(ctx, p.TableIDs); err != nil {
		return err
	}
	if err := s.Store.SavePersona(ctx, p); err != nil {
		return err
	}
	s.audit(ctx, u, "persona.update", p.Name, "")
	return nil
}

// checkPersonaTables allows only processed (stored, not removed) tables.
func (s *Service) checkPersonaTables(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ts, err := s.Store.ListTables(ctx, store.TableFilter{IDs: ids, IncludeRemoved: true})
	if err != nil {
		return err
	}
	found := map[int64]*lore.Table{}
	for _, t := range ts {
		found[t.ID] = t
	}
	for _, id := range ids {
		t := found[id]
		if t == nil {
			return lore.Errorf(lore.EINVALID, "Table %d does not exist; add processed tables only.", id)
		}
		if t.Removed {
			return lore.Errorf(lore.EINVALID, "Table %s was removed from the warehouse or the selection; it cannot be added.", t.Ref())
		}
	}
	return nil
}

// DeletePersona deletes a persona (admins only).
func (s *Service) DeletePersona(ctx context.Context, u *lore.User, id int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	p, err := s.Store.FindPersona(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeletePersona(ctx, id); err != nil {
		return err
	}
	s.audit(ctx, u, "persona.delete", p.Name, "")
	return nil
}

// Context builds a persona's context pack within the token budget.
func (s *Service) Context(ctx context.Context, u *lore.User, id int64, opts contextpack.Options) (*contextpack.Pack, error) {
	p, err := s.GetPersona(ctx, u, id)
	if err != nil {
		return nil, err
	}
	cp := contextpack.Persona{ID: strconv.FormatInt(p.ID, 10), Name: p.Name, Description: p.Description, Instructions: p.Instructions}
	for _, g := range p.Glossary {
		cp.Glossary = append(cp.Glossary, contextpack.Term{Term: g.Term, Definition: g.Definition, Keywords: g.Keywords})
	}
	var tables []contextpack.Table
	for _, tid := range p.TableIDs {
		t, err := s.GetTable(ctx, tid)
		if err != nil {
			return nil, err
		}
		tables = append(tables, packTable(t))
	}
	return contextpack.Build(cp, tables, opts)
}

func packDescribed(d lore.Description) contextpack.Described {
	return contextpack.Described{Text: d.Text, Source: d.Source, Model: d.Model, Stale: d.Stale}
}

func packTable(t *lore.Table) contextpack.Table {
	pt := contextpack.Table{ID: strconv.FormatInt(t.ID, 10), Ref: t.Ref(), Kind: t.Kind, Description: packDescribed(t.Description),
		RowEstimate: t.RowEstimate, Removed: t.Removed, PrimaryKey: t.PrimaryKey, ForeignKeys: t.ForeignKeys}
	if t.RowCount != nil {
		pt.RowEstimate = *t.RowCount
	}
	for _, c := range t.Columns {
		pt.Columns = append(pt.Columns, contextpack.Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable,
			Description: packDescribed(c.Description), Profile: c.Profile})
	}
	return pt
}

// allowedTables returns the ids of the tables u may read through personas; nil means all
// (admins).
func (s *Service) allowedTables(ctx context.Context, u *lore.User) (map[int64]bool, error) {
	if u.IsAdmin() {
		return nil, nil
	}
	ps, err := s.ListPersonas(ctx, u)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, p := range ps {
		for _, id := range p.TableIDs {
			out[id] = true
		}
	}
	return out, nil
}

// TableFor returns a table u may read through one of their personas (any table for admins).
func (s *Service) TableFor(ctx context.Context, u *lore.User, tableID int64) (*lore.Table, error) {
	allowed, err := s.allowedTables(ctx, u)
	if err != nil {
		return nil, err
	}
	if allowed != nil && !allowed[tableID] {
		return nil, lore.Errorf(lore.EFORBIDDEN, "This table is not in any of your personas.")
	}
	return s.GetTable(ctx, tableID)
}

// SearchHit is one table or column that matched a catalog search.
type SearchHit struct {
	TableID     int64  `json:"table_id"`
	Table       string `json:"table"`
	Column      string `json:"column,omitempty"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	Source      string `json:"source,omitempty"`
}

// SearchCatalog finds tables and columns whose name or shown description contains every word of
// query, among the tables u may read. Table hits come before column hits.
func (s *Service) SearchCatalog(ctx context.Context, u *lore.User, query string, limit int) ([]SearchHit, error) {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return nil, lore.Errorf(lore.EINVALID, "Give a search query.")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	allowed, err := s.allowedTables(ctx, u)
	if err != nil {
		return nil, err
	}
	f := store.TableFilter{}
	if allowed != nil {
		f.IDs = []int64{}
		for id := range allowed {
			f.IDs = append(f.IDs, id)
		}
	}
	ts, err := s.Store.ListTables(ctx, f)
	if err != nil {
		return nil, err
	}
	match := func(parts ...string) bool {
		hay := strings.ToLower(strings.Join(parts, " "))
		for _, w := range words {
			if !strings.Contains(hay, w) {
				return false
			}
		}
		return true
	}
	var tableHits, colHits []SearchHit
	for _, lt := range ts {
		t, err := s.GetTable(ctx, lt.ID)
		if err != nil {
			return nil, err
		}
		if match(t.Ref().String(), t.Description.Text) {
			tableHits = append(tableHits, SearchHit{TableID: t.ID, Table: t.Ref().String(), Description: t.Description.Text, Source: t.Description.Source})
		}
		for _, c := range t.Columns {
			if match(c.Name, c.Description.Text) {
				colHits = append(colHits, SearchHit{TableID: t.ID, Table: t.Ref().String(), Column: c.Name, Type: c.Type, Description: c.Description.Text, Source: c.Description.Source})
			}
		}
	}
	out := append(tableHits, colHits...)
	if len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []SearchHit{}
	}
	return out, nil
}
