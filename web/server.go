// Package web serves Lore's portal (server-rendered pages with htmx) and its JSON API.
//
// Handlers are thin: they parse the request, call a service from Config and render a typed page
// struct or JSON. All routes are listed in routes.go; templates and static assets are embedded
// and parsed when the Server is built, so a broken template stops start-up, not a request.
//
// To add a page:
//
//  1. Write templates/pages/NAME.html defining "content" (and "panel" for the right-hand
//     panel). Its data is a struct embedding Page, e.g. type fooPage struct{ Page; Items []X }.
//  2. Write a handler in a file named after the resource:
//     func (s *Server) fooPage(w http.ResponseWriter, r *http.Request) error, which calls
//     s.render(w, r, http.StatusOK, "NAME", &fooPage{Page: Page{Title: "Foo", Nav: "metadata"}}).
//     Returning an error renders the error page with the status of its code; for forms,
//     s.renderForm re-renders the form with the message instead.
//  3. Add the route to routes.go with its access wrapper: s.page, s.adminPage, s.api, s.adminAPI
//     or s.public. JSON handlers use decodeJSON and writeJSON and return errors the same way.
//
// Services a later feature needs become fields of Config.
package web

import (
	"errors"
	"github.com/lorehq/lore/catalog"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/lorehq/lore"
)

// DefaultMaxBody is the request body limit of every route unless routes.go raises it.
const DefaultMaxBody = 1 << 20

// Config holds what the Server needs. Accounts and Store are required.
type Config struct {
	Accounts *lore.Accounts
	// Catalog is the application service behind the Connect, Metadata, table, Personas and
	// Settings pages, the JSON API and MCP.
	Catalog *catalog.Service
	Store   lore.AccountStore
	Logger  *slog.Logger
	// TLS marks the server as reached over HTTPS: cookies get the __Host- prefix and Secure,
	// and responses carry HSTS.
	TLS     bool
	Version string
	// Login throttling; zero fields take the defaults of DefaultLoginLimits.
	LoginLimits LoginLimits
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Server is the HTTP front of Lore. Build it with New; serve Handler.
type Server struct {
	cfg       Config
	log       *slog.Logger
	accounts  *lore.Accounts
	store     lore.AccountStore
	catalog   *catalog.Service
	pages     map[string]*template.Template
	assets    *assets
	mux       *http.ServeMux
	handler   http.Handler
	cop       *http.CrossOriginProtection
	acctLimit *throttle
	ipLimit   *throttle
	flashKey  []byte
}

// New parses the templates, hashes the static assets and builds the routes. It fails when
// a required field is missing or a template does not parse.
func New(cfg Config) (*Server, error) {
	if cfg.Accounts == nil || cfg.Store == nil {
		return nil, errors.New("web: Config.Accounts and Config.Store are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	limits := cfg.LoginLimits.withDefaults()
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		accounts:  cfg.Accounts,
		store:     cfg.Store,
		catalog:   cfg.Catalog,
		mux:       http.NewServeMux(),
		cop:       http.NewCrossOriginProtection(),
		acctLimit: newThrottle(limits.AccountFailures, limits, cfg.Now),
		ipLimit:   newThrottle(limits.IPFailures, limits, cfg.Now),
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parseTemplates(templateFS); err != nil {
		return nil, err
	}
	if s.flashKey, err = randomKey(); err != nil {
		return nil, err
	}
	s.routes()
	s.handler = s.recoverPanics(s.logRequests(s.securityHeaders(s.crossOrigin(s.mux))))
	return s, nil
}

// Handler returns the root handler with all middleware applied.
func (s *Server) Handler() http.Handler { return s.handler }

// handle registers h for pattern with the default body limit.
func (s *Server) handle(pattern string, h http.Handler) {
	s.handleLimit(pattern, DefaultMaxBody, h)
}

// handleLimit registers h for pattern with a body limit of max bytes.
func (s *Server) handleLimit(pattern string, max int64, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		h.ServeHTTP(w, r)
	}))
}

// healthz answers 200 "ok" while the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}
