package web

import (
	"fmt"
	"net/http"

	"github.com/lorehq/lore"
)

// tablePage is the detail page of one processed table.
type tablePage struct {
	Page
	View *tableView
}

// tableView is the part of the table page that htmx swaps after an edit.
type tableView struct {
	Table  *lore.Table
	Admin  bool
	Drafts int
	// FKs maps a column to the foreign keys it takes part in ("→ db.schema.table(col)").
	FKs     map[string][]string
	Message string
	Error   bool
}

// newTableView counts AI drafts and indexes foreign keys by column.
func newTableView(t *lore.Table, admin bool) *tableView {
	v := &tableView{Table: t, Admin: admin, FKs: map[string][]string{}}
	if t.Description.Draft {
		v.Drafts++
	}
	for _, c := range t.Columns {
		if c.Description.Draft {
			v.Drafts++
		}
	}
	for _, fk := range t.ForeignKeys {
		for i, col := range fk.Columns {
			target := fk.Ref.String()
			if i < len(fk.RefColumns) {
				target += "." + fk.RefColumns[i]
			}
			v.FKs[col] = append(v.FKs[col], target)
		}
	}
	return v
}

// loadTable returns a table for the caller. Admins see every table; members use the persona
// check of the catalog.
func (s *Server) loadTable(r *http.Request, id int64) (*lore.Table, error) {
	u := userFrom(r.Context())
	if !u.IsAdmin() {
		return s.catalog.TableFor(r.Context(), u, id)
	}
	return s.catalog.GetTable(r.Context(), id)
}

func (s *Server) tablePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "table")
	if err != nil {
		return err
	}
	t, err := s.loadTable(r, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "table", &tablePage{
		Page: Page{Title: t.Ref().String(), Nav: "metadata"},
		View: newTableView(t, userFrom(r.Context()).IsAdmin()),
	})
	return nil
}

// tableAction applies one edit of the table page (?action= in the path): describe, accept,
// reject, regenerate or nosample. htmx gets the refreshed table view; plain forms go back to
// the page.
func (s *Server) tableAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "table")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	u, ctx := userFrom(r.Context()), r.Context()
	column := r.PostForm.Get("column")
	var msg string
	switch r.PathValue("action") {
	case "describe":
		err, msg = s.catalog.EditDescription(ctx, u, id, column, r.PostForm.Get("text")), "Description saved."
	case "accept":
		err, msg = s.catalog.AcceptDraft(ctx, u, id, column), "AI draft accepted."
	case "reject":
		err, msg = s.catalog.RejectDraft(ctx, u, id, column), "AI draft rejected."
	case "regenerate":
		var run *lore.Run
		run, err = s.catalog.Regenerate(ctx, u, id)
		if err == nil {
			msg = fmt.Sprintf("Regenerating descriptions (run %d). Reload the page when it is done.", run.ID)
		}
	case "nosample":
		on := r.PostForm.Get("on") == "true"
		err = s.catalog.SetNoSample(ctx, u, id, column, on)
		msg = "Sampling switched back on for " + column + "."
		if on {
			msg = "Sampling switched off for " + column + "; its samples are dropped."
		}
	default:
		return lore.Errorf(lore.ENOTFOUND, "No table action %q.", r.PathValue("action"))
	}
	if !isHTMX(r) {
		if err != nil {
			return err
		}
		s.setFlash(w, "success", msg)
		redirect(w, r, fmt.Sprintf("/tables/%d", id))
		return nil
	}
	t, terr := s.loadTable(r, id)
	if terr != nil {
		return terr
	}
	v := newTableView(t, u.IsAdmin())
	v.Message = msg
	if err != nil {
		_, _, v.Message = errorInfo(err)
		v.Error = true
	}
	s.renderFragment(w, http.StatusOK, "table_view", v)
	return nil
}
