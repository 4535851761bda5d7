package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
)

// dbtMemory is how much of a multipart upload is held in memory; the rest goes to temporary
// files that ParseMultipartForm removes with the request.
const dbtMemory = 8 << 20

// dbtPage shows a connection's last dbt upload and, to admins, the upload form.
type dbtPage struct {
	Page
	Conn   *lore.Connection
	Report *catalog.DBTReport
	// Uploaded is true right after an upload, so the report reads as the new one.
	Uploaded bool
}

func (s *Server) dbtData(r *http.Request) (*dbtPage, error) {
	c, err := s.pathConnection(r)
	if err != nil {
		return nil, err
	}
	rep, err := s.catalog.DBTStatus(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	return &dbtPage{Page: Page{Title: "dbt · " + c.Name, Nav: "connections"}, Conn: c, Report: rep}, nil
}

func (s *Server) dbtPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dbtData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "dbt", p)
	return nil
}

// dbtUpload takes the manifest.json (required) and catalog.json (optional) of the form.
func (s *Server) dbtUpload(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dbtData(r)
	if err != nil {
		return err
	}
	manifest, cat, err := readDBTMultipart(r)
	if err == nil {
		var rep *catalog.DBTReport
		rep, err = s.catalog.UploadDBT(r.Context(), userFrom(r.Context()), p.Conn.ID, manifest, cat)
		if err == nil {
			p.Report, p.Uploaded = rep, true
			p.Flash = &Flash{Kind: "success", Message: fmt.Sprintf("dbt project %q uploaded: %d model(s) matched, %d description(s) applied.", rep.Project, len(rep.Matched), rep.Descriptions)}
			s.render(w, r, http.StatusOK, "dbt", p)
			return nil
		}
	}
	s.renderForm(w, r, err, "dbt", p)
	return nil
}

// dbtLink points the connection at a dbt project on the Lore server.
func (s *Server) dbtLink(w http.ResponseWriter, r *http.Request) error {
	p, err := s.dbtData(r)
	if err != nil {
		return err
	}
	rep, err := s.catalog.LinkDBT(r.Context(), userFrom(r.Context()), p.Conn.ID, r.PostFormValue("path"))
	if err == nil {
		p.Report, p.Uploaded = rep, true
		p.Flash = &Flash{Kind: "success", Message: fmt.Sprintf("dbt project %q read from %s: %d model(s) matched, %d description(s) applied. Lore reads it again at every Save and Process and Refresh.", rep.Project, rep.Path, len(rep.Matched), rep.Descriptions)}
		s.render(w, r, http.StatusOK, "dbt", p)
		return nil
	}
	s.renderForm(w, r, err, "dbt", p)
	return nil
}

// apiDBTUpload accepts multipart (fields manifest and catalog), a raw JSON manifest body, or
// ?path= naming a project on the Lore server to read now and at every run.
func (s *Server) apiDBTUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	if path := r.URL.Query().Get("path"); path != "" {
		rep, err := s.catalog.LinkDBT(r.Context(), userFrom(r.Context()), id, path)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	var manifest, cat []byte
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		manifest, cat, err = readDBTMultipart(r)
	} else {
		manifest, err = io.ReadAll(r.Body)
	}
	if err != nil {
		return err
	}
	if len(manifest) == 0 {
		return lore.Errorf(lore.EINVALID, "The request has no manifest: send manifest.json as the body, or multipart fields manifest and catalog.")
	}
	rep, err := s.catalog.UploadDBT(r.Context(), userFrom(r.Context()), id, manifest, cat)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// apiDBTStatus returns the report of the last upload, or 404 when there is none.
func (s *Server) apiDBTStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	if _, err := s.catalog.GetConnection(r.Context(), id); err != nil {
		return err
	}
	rep, err := s.catalog.DBTStatus(r.Context(), id)
	if err != nil {
		return err
	}
	if rep == nil {
		return lore.Errorf(lore.ENOTFOUND, "No dbt project has been uploaded for this connection yet. POST a manifest.json to this URL.")
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// readDBTMultipart reads the manifest (required) and catalog (optional) file fields.
func readDBTMultipart(r *http.Request) (manifest, cat []byte, err error) {
	if err := r.ParseMultipartForm(dbtMemory); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, err
		}
		return nil, nil, lore.Errorf(lore.EINVALID, "The upload could not be read (%v). Choose the files again and retry.", err)
	}
	manifest, err = readFormFile(r.MultipartForm, "manifest")
	if err != nil {
		return nil, nil, err
	}
	if manifest == nil {
		return nil, nil, lore.Errorf(lore.EINVALID, "Choose the manifest.json of your dbt project (in its target/ directory after dbt compile, run or docs generate).")
	}
	cat, err = readFormFile(r.MultipartForm, "catalog")
	return manifest, cat, err
}

// readFormFile returns the content of file field name, or nil when it is absent or empty.
func readFormFile(f *multipart.Form, name string) ([]byte, error) {
	fhs := f.File[name]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, nil
	}
	file, err := fhs[0].Open()
	if err != nil {
		return nil, fmt.Errorf("open upload %s: %w", name, err)
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("read upload %s: %w", name, err)
	}
	return b, nil
}
