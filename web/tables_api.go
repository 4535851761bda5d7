package web

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/lorehq/lore"
)

// tablePatch is the body of PATCH /api/v1/tables/{id}: a new table description and/or column
// descriptions by column name. Each becomes a human description.
type tablePatch struct {
	Description *string           `json:"description"`
	Columns     map[string]string `json:"columns"`
}

// apiTables lists a connection's processed tables (?search=, ?limit=, ?offset=).
func (s *Server) apiTables(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, offset := 0, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			return lore.Errorf(lore.EINVALID, "limit must be a whole number from 1 to 1000.")
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return lore.Errorf(lore.EINVALID, "offset must be a whole number, 0 or more.")
		}
	}
	tables, err := s.catalog.ListTables(r.Context(), id, q.Get("search"), limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tables": tables})
	return nil
}

func (s *Server) apiTable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "table")
	if err != nil {
		return err
	}
	t, err := s.loadTable(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// apiTablePatch edits the table description and column descriptions, then returns the table.
func (s *Server) apiTablePatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "table")
	if err != nil {
		return err
	}
	var in tablePatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u := userFrom(r.Context())
	if in.Description != nil {
		if err := s.catalog.EditDescription(r.Context(), u, id, "", *in.Description); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(in.Columns))
	for name := range in.Columns {
		if name == "" {
			return lore.Errorf(lore.EINVALID, "A column name in \"columns\" is empty.")
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.catalog.EditDescription(r.Context(), u, id, name, in.Columns[name]); err != nil {
			return err
		}
	}
	return s.apiTable(w, r)
}
