package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/warehouse"
)

// treePageSize is how many nodes one level of the Metadata tree shows before "more": a schema of
// 20,000 tables never renders at once.
const treePageSize = 200

// metadataListPage lists the connections whose metadata can be managed.
type metadataListPage struct {
	Page
	Connections []*lore.Connection
}

// metadataConnPage is the Metadata tab of one connection: the tree, the processed tables and the
// processing panel.
type metadataConnPage struct {
	Page
	Conn   *lore.Connection
	Tables []*lore.Table
	Search string
	// MoreTables is true when the processed-table list was cut at tableListSize.
	MoreTables bool
	Panel      *runPanel
}

// tableListSize bounds the processed tables listed on the Metadata tab (search finds the rest).
const tableListSize = 100

// treeLevel is one level of the tree (databases, schemas of DB, or tables of DB.Schema).
type treeLevel struct {
	ConnID     int64
	Level      string // databases, schemas or tables
	DB, Schema string
	Search     string
	Items      []warehouse.Entry
	// MoreURL loads the next page; empty on the last page.
	MoreURL string
}

// URL returns the tree URL of this level (for filters), without paging.
func (l *treeLevel) URL() string {
	return treeURL(l.ConnID, l.DB, l.Schema, "", "")
}

// ChildURL returns the tree URL of the level below item name.
func (l *treeLevel) ChildURL(name string) string {
	if l.Level == "databases" {
		return treeURL(l.ConnID, name, "", "", "")
	}
	return treeURL(l.ConnID, l.DB, name, "", "")
}

func treeURL(connID int64, db, schema, after, search string) string {
	q := url.Values{}
	if db != "" {
		q.Set("db", db)
	}
	if schema != "" {
		q.Set("schema", schema)
	}
	if after != "" {
		q.Set("after", after)
		q.Set("part", "items")
	}
	if search != "" {
		q.Set("search", search)
	}
	u := "/connections/" + strconv.FormatInt(connID, 10) + "/metadata/tree"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// renderFragment executes one partial template (no layout) with data; htmx swaps it in.
func (s *Server) renderFragment(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages["error"].ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render partial failed", "partial", name, "err", err)
		http.Error(w, "Internal error: the details are in the server log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// isHTMX reports whether htmx sent the request (it then wants a fragment, not a page).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// metadataPage lists connections: the user picks one.
func (s *Server) metadataPage(w http.ResponseWriter, r *http.Request) error {
	conns, err := s.catalog.ListConnections(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "metadata", &metadataListPage{
		Page: Page{Title: "Metadata", Nav: "metadata"}, Connections: conns,
	})
	return nil
}

// metadataConnPage shows the tree, the processed tables and the run panel of one connection.
func (s *Server) metadataConnPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	conn, err := s.catalog.GetConnection(r.Context(), id)
	if err != nil {
		return err
	}
	search := r.URL.Query().Get("search")
	tables, err := s.catalog.ListTables(r.Context(), id, search, tableListSize+1, 0)
	if err != nil {
		return err
	}
	p := &metadataConnPage{
		Page: Page{Title: "Metadata · " + conn.Name, Nav: "metadata"},
		Conn: conn, Tables: tables, Search: search,
	}
	if len(tables) > tableListSize {
		p.Tables, p.MoreTables = tables[:tableListSize], true
	}
	if p.Panel, err = s.latestPanel(r, id); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "metadata_connection", p)
	return nil
}

// metadataTree answers one level of the tree, read live from the warehouse: databases, or the
// schemas of ?db=, or the tables of ?db=&schema=, one page at a time (?after=, ?search=).
// ?part=items returns only the rows (for "more" and the filter); otherwise the level with its
// filter and select-all controls.
func (s *Server) metadataTree(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	l := &treeLevel{ConnID: id, DB: q.Get("db"), Schema: q.Get("schema"), Search: q.Get("search")}
	pr := warehouse.PageRequest{After: q.Get("after"), Limit: treePageSize, Search: l.Search}
	var page warehouse.Page
	switch {
	case l.DB == "":
		l.Level = "databases"
		page, err = s.catalog.Databases(r.Context(), id, pr)
	case l.Schema == "":
		l.Level = "schemas"
		page, err = s.catalog.Schemas(r.Context(), id, l.DB, pr)
	default:
		l.Level = "tables"
		page, err = s.catalog.Tables(r.Context(), id, l.DB, l.Schema, pr)
	}
	if err != nil {
		if isHTMX(r) {
			_, _, msg := errorInfo(err)
			s.renderFragment(w, http.StatusOK, "meta_tree_error", msg)
			return nil
		}
		return err
	}
	l.Items = page.Items
	if page.Next != "" {
		l.MoreURL = treeURL(id, l.DB, l.Schema, page.Next, l.Search)
	}
	part := "meta_level"
	if q.Get("part") == "items" {
		part = "meta_items"
	}
	s.renderFragment(w, http.StatusOK, part, l)
	return nil
}

// metadataRefresh re-reads the selection's catalog and shows what changed; the panel reloads.
func (s *Server) metadataRefresh(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	run, err := s.catalog.Refresh(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		_, _, msg := errorInfo(err)
		s.renderFragment(w, http.StatusOK, "meta_diff", &diffView{Error: msg})
		return nil
	}
	w.Header().Set("HX-Trigger", "lore-run")
	s.renderFragment(w, http.StatusOK, "meta_diff", &diffView{Run: run, Diff: run.Diff})
	return nil
}

// diffView is what a Refresh found, or why it failed.
type diffView struct {
	Run   *lore.Run
	Diff  *lore.Diff
	Error string
}

// Empty reports whether the refresh found no change.
func (d *diffView) Empty() bool {
	return d.Diff == nil || len(d.Diff.Added)+len(d.Diff.Removed)+len(d.Diff.Changed) == 0
}
