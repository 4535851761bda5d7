package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

//go:embed templates
var templateFS embed.FS

// Page is the data every page shares. Page structs embed it:
//
//	type teamsPage struct {
//		Page
//		Teams []*lore.Team
//	}
//
// Handlers set Title and Nav; render fills User, Flash and Version.
type Page struct {
	Title string
	// Nav names the active sidebar item: connections, metadata, personas, teams, settings.
	Nav     string
	User    *lore.User
	Flash   *Flash
	Version string
}

// base lets render reach the embedded Page of any page struct.
func (p *Page) base() *Page { return p }

type pageData interface{ base() *Page }

// NavItem is one entry of the sidebar.
type NavItem struct {
	Key, Label, Href string
}

// navItems is the sidebar of DESIGN §1, in order.
var navItems = []NavItem{
	{"connections", "Connect", "/connections"},
	{"metadata", "Metadata", "/metadata"},
	{"personas", "Personas", "/personas"},
	{"teams", "Teams", "/teams"},
	{"settings", "Settings", "/settings"},
}

// parseTemplates parses the layout and partials once, then each file in templates/pages on a
// clone of them. A page file defines "content" and may define "panel" (the right-hand panel).
// The result maps a page's file name without ".html" to its template.
func (s *Server) parseTemplates(fsys fs.FS) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":   s.assets.url,
		"nav":     func() []NavItem { return navItems },
		"when":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"join":    strings.Join,
		"lines":   func(ss []string) string { return strings.Join(ss, "\n") },
		"timeptr": func(t *time.Time) string { return formatTimePtr(t) },
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template, len(files))
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	if pages["error"] == nil {
		return nil, fmt.Errorf("web: templates/pages/error.html is missing")
	}
	return pages, nil
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// render executes page name with data into a buffer and writes it with status. It fills the
// shared Page fields the handler left empty: the signed-in user, a pending flash, the version.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	p := data.base()
	if p.User == nil {
		p.User = userFrom(r.Context())
	}
	if p.Flash == nil {
		p.Flash = s.takeFlash(w, r)
	}
	p.Version = s.cfg.Version
	if p.Title == "" {
		p.Title = "Lore"
	}
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("render: no such page template", "page", name)
		http.Error(w, "Internal error: the details are in the server log.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render failed", "page", name, "err", err)
		http.Error(w, "Internal error: the details are in the server log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderForm re-renders a form page after err, with err's message as an error flash and
// err's status. Internal errors are logged and shown generically.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, err error, name string, data pageData) {
	status, _, msg := errorInfo(err)
	s.logError(r, status, err)
	setRetryAfter(w, err)
	data.base().Flash = &Flash{Kind: "error", Message: msg}
	s.render(w, r, status, name, data)
}

// redirect sends the browser to target with 303 See Other after a form post.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}
