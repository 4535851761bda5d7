package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/warehouse"
)

// connectionsPage is the Connect tab: the list of connections (read-only for members).
type connectionsPage struct {
	Page
	Connections []*lore.Connection
}

// connectionFormPage is the Data Store picker (Form.Type empty) or the form of one connection.
type connectionFormPage struct {
	Page
	Stores []storeOption
	// Conn is the stored connection being edited; nil for a new one.
	Conn    *lore.Connection
	Form    connForm
	Secrets map[string]lore.SecretState
	SSL     []struct{ Value, Label string }
	Policy  string
	Trust   string
	Grants  string
	// Defaults are the processing settings used for blank fields.
	Defaults lore.ConnectionSettings
}

// connectDeletePage asks to confirm a deletion.
type connectDeletePage struct {
	Page
	Conn *lore.Connection
}

// testResult is the data of the connect_test_result partial.
type testResult struct {
	Report warehouse.TestReport
	Error  string
}

func (s *Server) connectionsPage(w http.ResponseWriter, r *http.Request) error {
	var cs []*lore.Connection
	// Without a catalog (tests of the portal shell) the list is simply empty.
	if s.catalog != nil {
		var err error
		if cs, err = s.catalog.ListConnections(r.Context()); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "connections", &connectionsPage{Page: Page{Title: "Connect", Nav: "connections"}, Connections: cs})
	return nil
}

// formPage builds the form page for f; c is the stored connection when editing.
func formPage(c *lore.Connection, f connForm) *connectionFormPage {
	p := &connectionFormPage{Page: Page{Title: "New connection", Nav: "connections"}, Stores: storeOptions, Defaults: settingsDefaults,
		Conn: c, Form: f, Secrets: map[string]lore.SecretState{}, SSL: sslModes}
	if c != nil {
		p.Title = "Connection " + c.Name
		p.Secrets = c.Secrets
	}
	if f.Type == lore.TypeRedshift {
		p.Policy = redshiftPolicy(f)
		ext := ""
		if c != nil {
			ext = c.ExternalID
		}
		p.Trust = trustPolicy(ext)
	}
	if f.Type != "" {
		p.Grants = grantSQL(f)
	}
	return p
}

// connectionNew shows the Data Store picker, or the empty form of the type in ?type=.
func (s *Server) connectionNew(w http.ResponseWriter, r *http.Request) error {
	typ := r.URL.Query().Get("type")
	if typ != "" && catalog.ConfigKeys[typ] == nil {
		return lore.Errorf(lore.EINVALID, "Lore cannot connect to %q yet: choose Amazon Redshift or PostgreSQL.", typ)
	}
	f := connForm{}
	if typ != "" {
		f = newConnForm(typ)
	}
	s.render(w, r, http.StatusOK, "connection_form", formPage(nil, f))
	return nil
}

func (s *Server) connectionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	typ := r.PostForm.Get("type")
	if catalog.ConfigKeys[typ] == nil {
		return lore.Errorf(lore.EINVALID, "Choose a data store (Amazon Redshift or PostgreSQL) first.")
	}
	f, in := parseConnForm(r.PostForm, typ, nil)
	c, err := s.catalog.CreateConnection(r.Context(), userFrom(r.Context()), in)
	if err != nil {
		s.renderForm(w, r, err, "connection_form", formPage(nil, f))
		return nil
	}
	msg := fmt.Sprintf("Connection %q saved.", c.Name)
	if c.Config["role_arn"] != "" {
		msg += " Add its ExternalId to the role's trust policy, then test it."
	}
	s.setFlash(w, "success", msg)
	redirect(w, r, fmt.Sprintf("/connections/%d", c.ID))
	return nil
}

// connectionEdit shows the form of a stored connection. Secret inputs stay empty.
func (s *Server) connectionEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "connection_form", formPage(c, connFormOf(c)))
	return nil
}

func (s *Server) connectionUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	f, in := parseConnForm(r.PostForm, c.Type, c)
	saved, err := s.catalog.UpdateConnection(r.Context(), userFrom(r.Context()), c.ID, in)
	if err != nil {
		s.renderForm(w, r, err, "connection_form", formPage(c, f))
		return nil
	}
	s.setFlash(w, "success", fmt.Sprintf("Connection %q saved.", saved.Name))
	redirect(w, r, "/connections")
	return nil
}

// connectionDeleteConfirm asks the admin to confirm; the POST deletes.
func (s *Server) connectionDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "connection_delete", &connectDeletePage{Page: Page{Title: "Delete " + c.Name, Nav: "connections"}, Conn: c})
	return nil
}

func (s *Server) connectionDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathConnection(r)
	if err != nil {
		return err
	}
	if err := s.catalog.DeleteConnection(r.Context(), userFrom(r.Context()), c.ID); err != nil {
		return err
	}
	s.setFlash(w, "success", fmt.Sprintf("Connection %q deleted, with its tables and descriptions.", c.Name))
	redirect(w, r, "/connections")
	return nil
}

// connectionTestForm tests the posted form (htmx) without saving and answers with the
// result partial. With an {id}, blank secrets come from the stored connection.
func (s *Server) connectionTestForm(w http.ResponseWriter, r *http.Request) error {
	var old *lore.Connection
	if r.PathValue("id") != "" {
		var err error
		if old, err = s.pathConnection(r); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	typ := r.PostForm.Get("type")
	var id int64
	if old != nil {
		typ, id = old.Type, old.ID
	}
	var res testResult
	if catalog.ConfigKeys[typ] == nil {
		res.Error = "Choose a data store (Amazon Redshift or PostgreSQL) first."
	} else {
		_, in := parseConnForm(r.PostForm, typ, old)
		rep, err := s.catalog.TestDraft(r.Context(), userFrom(r.Context()), id, in)
		if err != nil {
			status, _, msg := errorInfo(err)
			s.logError(r, status, err)
			res.Error = msg
		}
		res.Report = rep
	}
	return s.renderPartial(w, "connection_form", "connect_test_result", res)
}

// pathConnection loads the connection of the {id} path value.
func (s *Server) pathConnection(r *http.Request) (*lore.Connection, error) {
	id, err := pathID(r, "connection")
	if err != nil {
		return nil, err
	}
	return s.catalog.GetConnection(r.Context(), id)
}

// renderPartial executes one named template of page's set (for htmx swaps), into a buffer.
func (s *Server) renderPartial(w http.ResponseWriter, page, name string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("render partial: no page %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render partial %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
	return nil
}
