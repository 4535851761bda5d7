package web

import (
	"context"
	"net/http"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/warehouse"
)

// selectionInput is the body of PUT /api/v1/connections/{id}/selection. Exclude (an extension
// used by the Metadata tab) names tables to leave out of whole schemas that Include selects:
// the schema is then expanded to its current tables minus those.
type selectionInput struct {
	Include []lore.SelectionItem `json:"include"`
	Exclude []lore.SelectionItem `json:"exclude,omitempty"`
}

// applyExcludes expands every whole schema that has excluded tables into its current tables
// minus the excluded ones. Schemas without exclusions pass through untouched.
func (s *Server) applyExcludes(ctx context.Context, connID int64, in selectionInput) (lore.Selection, error) {
	type key struct{ db, schema string }
	excl := map[key]map[string]bool{}
	for _, e := range in.Exclude {
		if e.Table == "" {
			return lore.Selection{}, lore.Errorf(lore.EINVALID, "Each excluded item names a table (database, schema and table).")
		}
		k := key{e.Database, e.Schema}
		if excl[k] == nil {
			excl[k] = map[string]bool{}
		}
		excl[k][e.Table] = true
	}
	out := lore.Selection{Include: []lore.SelectionItem{}}
	for _, it := range in.Include {
		skip := excl[key{it.Database, it.Schema}]
		if it.Table != "" || len(skip) == 0 {
			out.Include = append(out.Include, it)
			continue
		}
		pr := warehouse.PageRequest{Limit: warehouse.MaxPageLimit}
		for {
			page, err := s.catalog.Tables(ctx, connID, it.Database, it.Schema, pr)
			if err != nil {
				return lore.Selection{}, err
			}
			for _, e := range page.Items {
				if !skip[e.Name] {
					out.Include = append(out.Include, lore.SelectionItem{Database: it.Database, Schema: it.Schema, Table: e.Name})
				}
			}
			if page.Next == "" {
				break
			}
			pr.After = page.Next
		}
	}
	return out, nil
}

func (s *Server) apiSelection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	sel, err := s.catalog.GetSelection(r.Context(), id)
	if err != nil {
		return err
	}
	if sel.Include == nil {
		sel.Include = []lore.SelectionItem{}
	}
	writeJSON(w, http.StatusOK, sel)
	return nil
}

// apiSelectionPut saves the selection. When processed tables would lose their metadata it
// answers 409 with would_remove and saves nothing, unless ?confirm=true.
func (s *Server) apiSelectionPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	var in selectionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sel, err := s.applyExcludes(r.Context(), id, in)
	if err != nil {
		return err
	}
	confirm := r.URL.Query().Get("confirm") == "true"
	res, err := s.catalog.PutSelection(r.Context(), userFrom(r.Context()), id, sel, confirm)
	if err != nil {
		return err
	}
	if res.NeedsConfirm {
		writeJSON(w, http.StatusConflict, map[string]any{
			"error": map[string]string{
				"code":    lore.ECONFLICT,
				"message": "Saving removes the metadata, profiles and descriptions of tables no longer selected. Confirm with ?confirm=true.",
			},
			"needs_confirm": true,
			"would_remove":  res.WouldRemove,
		})
		return nil
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiProcess(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	run, err := s.catalog.Process(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"run_id": run.ID, "status": run.Status})
	return nil
}

func (s *Server) apiRefresh(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	run, err := s.catalog.Refresh(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		return err
	}
	diff := run.Diff
	if diff == nil {
		diff = &lore.Diff{}
	}
	if diff.Added == nil {
		diff.Added = []string{}
	}
	if diff.Removed == nil {
		diff.Removed = []string{}
	}
	if diff.Changed == nil {
		diff.Changed = []lore.TableChange{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_id": run.ID, "status": run.Status, "diff": diff})
	return nil
}
