package web

import (
	"net/http"
	"strconv"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/warehouse"
)

// connectionBody is the JSON body of POST, PATCH and test of /api/v1/connections. ExternalID
// is only declared to refuse it with a clear message: Lore mints it.
type connectionBody struct {
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Config     map[string]string        `json:"config"`
	Secrets    map[string]string        `json:"secrets"`
	Settings   *lore.ConnectionSettings `json:"settings"`
	ExternalID *string                  `json:"external_id"`
}

// testResponse is the answer of the test endpoints: every check, and the first failure's
// message as error.
type testResponse struct {
	OK      bool              `json:"ok"`
	Checks  []warehouse.Check `json:"checks"`
	Schemas []string          `json:"schemas,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// readConnectionBody decodes and checks a connection body.
func readConnectionBody(r *http.Request) (connectionBody, error) {
	var b connectionBody
	if err := decodeJSON(r, &b); err != nil {
		return b, err
	}
	if b.ExternalID != nil {
		return b, lore.Errorf(lore.EINVALID, "external_id is minted by Lore and cannot be set; leave it out.")
	}
	return b, nil
}

func (b connectionBody) input() lore.ConnectionInput {
	return lore.ConnectionInput{Name: b.Name, Type: b.Type, Config: b.Config, Secrets: b.Secrets, Settings: b.Settings}
}

func toTestResponse(rep warehouse.TestReport) testResponse {
	out := testResponse{OK: rep.OK, Checks: rep.Checks, Schemas: rep.Schemas}
	if out.Checks == nil {
		out.Checks = []warehouse.Check{}
	}
	for _, c := range rep.Checks {
		if !c.OK && !c.Skipped {
			out.Error = c.Title + ": " + c.Message
			break
		}
	}
	return out
}

func (s *Server) apiConnections(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.catalog.ListConnections(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": cs})
	return nil
}

func (s *Server) apiConnection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiConnectionCreate(w http.ResponseWriter, r *http.Request) error {
	b, err := readConnectionBody(r)
	if err != nil {
		return err
	}
	c, err := s.catalog.CreateConnection(r.Context(), userFrom(r.Context()), b.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// apiConnectionUpdate applies a partial update: a config key set to "" is removed, others are
// merged over the stored config; blank or missing secrets keep their stored values.
func (s *Server) apiConnectionUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	b, err := readConnectionBody(r)
	if err != nil {
		return err
	}
	in := b.input()
	in.Config = map[string]string{}
	for k, v := range old.Config {
		in.Config[k] = v
	}
	for k, v := range b.Config {
		if v == "" {
			delete(in.Config, k)
		} else {
			in.Config[k] = v
		}
	}
	c, err := s.catalog.UpdateConnection(r.Context(), userFrom(r.Context()), old.ID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiConnectionDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	if err := s.catalog.DeleteConnection(r.Context(), userFrom(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiConnectionTest tests a saved connection.
func (s *Server) apiConnectionTest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	rep, err := s.catalog.TestConnection(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTestResponse(rep))
	return nil
}

// apiConnectionTestDraft tests an unsaved connection body; nothing is saved.
func (s *Server) apiConnectionTestDraft(w http.ResponseWriter, r *http.Request) error {
	b, err := readConnectionBody(r)
	if err != nil {
		return err
	}
	rep, err := s.catalog.TestDraft(r.Context(), userFrom(r.Context()), 0, b.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTestResponse(rep))
	return nil
}

// pageRequest reads the after, limit and search query parameters.
func pageRequest(r *http.Request) (warehouse.PageRequest, error) {
	q := r.URL.Query()
	p := warehouse.PageRequest{After: q.Get("after"), Search: q.Get("search")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > warehouse.MaxPageLimit {
			return p, lore.Errorf(lore.EINVALID, "limit must be a whole number from 1 to %d (got %q).", warehouse.MaxPageLimit, v)
		}
		p.Limit = n
	}
	return p, nil
}

// apiBrowse lists databases, the schemas of {db}, or the tables of {db}/{schema}, live from
// the warehouse, as {items, next}.
func (s *Server) apiBrowse(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	p, err := pageRequest(r)
	if err != nil {
		return err
	}
	db, schema := r.PathValue("db"), r.PathValue("schema")
	var page warehouse.Page
	switch {
	case schema != "":
		page, err = s.catalog.Tables(r.Context(), id, db, schema, p)
	case db != "":
		page, err = s.catalog.Schemas(r.Context(), id, db, p)
	default:
		page, err = s.catalog.Databases(r.Context(), id, p)
	}
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []warehouse.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": page.Items, "next": page.Next})
	return nil
}
