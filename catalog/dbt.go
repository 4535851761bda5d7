package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe/dbt"
	"github.com/lorehq/lore/store"
)

// DBTReport says what an uploaded dbt project matched.
type DBTReport struct {
	Project        string   `json:"project,omitempty"`
	Adapter        string   `json:"adapter,omitempty"`
	SchemaVersion  int      `json:"schema_version"`
	HasCatalog     bool     `json:"has_catalog"`
	Nodes          int      `json:"nodes"`
	Matched        []string `json:"matched"`
	Unmatched      []string `json:"unmatched"`
	IgnoreDatabase bool     `json:"ignore_database,omitempty"`
	Descriptions   int      `json:"descriptions"`
	// Path is set when the project is read from a path on the Lore server, re-read at every
	// Save and Process and Refresh.
	Path string `json:"path,omitempty"`
}

// MaxDBTBytes bounds an uploaded manifest (real manifests reach tens of MiB).
const MaxDBTBytes = 64 << 20

// UploadDBT parses a dbt manifest (and optional catalog), checks it is for this warehouse,
// stores it, and applies its descriptions to the stored tables with source dbt. A bad file
// changes nothing.
func (s *Service) UploadDBT(ctx context.Context, u *lore.User, connID int64, manifest, catalog []byte) (*DBTReport, error) {
	return s.importDBT(ctx, u, connID, manifest, catalog, "")
}

// LinkDBT points a connection at a dbt project on the Lore server: path is the manifest.json or
// the directory (usually target/) holding it; a catalog.json beside it is read too. The files
// are read now, checked like an upload, and read again at every Save and Process and Refresh.
func (s *Service) LinkDBT(ctx context.Context, u *lore.User, connID int64, path string) (*DBTReport, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	manifest, catalog, err := readDBTPath(path)
	if err != nil {
		return nil, err
	}
	return s.importDBT(ctx, u, connID, manifest, catalog, path)
}

// readDBTPath reads manifest.json (and catalog.json when present) from a file or directory.
func readDBTPath(path string) (manifest, catalog []byte, err error) {
	path = strings.TrimSpace(path)
	if path == "" || !filepath.IsAbs(path) {
		return nil, nil, lore.Errorf(lore.EINVALID, "Give the absolute path of the dbt project's manifest.json or of its target/ directory on the Lore server.")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, lore.Errorf(lore.EINVALID, "Lore cannot read %s: %v.", path, errors.Unwrap(err))
	}
	manifestPath := path
	if st.IsDir() {
		manifestPath = filepath.Join(path, "manifest.json")
	}
	read := func(p string) ([]byte, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, MaxDBTBytes+1))
		if err == nil && len(b) > MaxDBTBytes {
			return nil, lore.Errorf(lore.EINVALID, "%s is larger than %d MiB.", p, MaxDBTBytes>>20)
		}
		return b, err
	}
	if manifest, err = read(manifestPath); err != nil {
		if lore.ErrorCode(err) == lore.EINVALID {
			return nil, nil, err
		}
		return nil, nil, lore.Errorf(lore.EINVALID, "Lore cannot read %s: %v. Run dbt compile or dbt docs generate first.", manifestPath, errors.Unwrap(err))
	}
	catalogPath := filepath.Join(filepath.Dir(manifestPath), "catalog.json")
	if b, err := read(catalogPath); err == nil {
		catalog = b
	}
	return manifest, catalog, nil
}

func (s *Service) importDBT(ctx context.Context, u *lore.User, connID int64, manifest, catalog []byte, path string) (*DBTReport, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	c, err := s.Store.FindConnection(ctx, connID)
	if err != nil {
		return nil, err
	}
	p, err := dbt.Parse(manifest, catalog)
	if err != nil {
		return nil, err
	}
	if err := p.CheckWarehouse(lore.Dialect(c.Type)); err != nil {
		return nil, err
	}
	tables, err := s.Store.ListTables(ctx, store.TableFilter{ConnectionID: connID})
	if err != nil {
		return nil, err
	}
	report, writes, err := matchDBT(p, tables)
	if err != nil && len(tables) > 0 {
		return nil, err
	}
	report.Path = path
	raw, _ := json.Marshal(report)
	if err := s.Store.PutDBT(ctx, connID, manifest, catalog, path, string(raw)); err != nil {
		return nil, err
	}
	if err := s.writeDBT(ctx, connID, writes); err != nil {
		return nil, err
	}
	what := "upload"
	if path != "" {
		what = "path " + path
	}
	s.audit(ctx, u, "dbt.import", c.Name, fmt.Sprintf("%s: %d nodes, %d matched", what, report.Nodes, len(report.Matched)))
	return report, nil
}

// DBTStatus returns the report of the last upload, or nil.
func (s *Service) DBTStatus(ctx context.Context, connID int64) (*DBTReport, error) {
	_, _, _, raw, ok, err := s.Store.FindDBT(ctx, connID)
	if err != nil || !ok {
		return nil, err
	}
	var r DBTReport
	_ = json.Unmarshal([]byte(raw), &r)
	return &r, nil
}

// applyDBT re-applies the stored manifest after a catalog step (new tables may match now).
func (s *Service) applyDBT(ctx context.Context, connID int64) error {
	manifest, catalog, path, _, ok, err := s.Store.FindDBT(ctx, connID)
	if err != nil || !ok || len(manifest) == 0 {
		return err
	}
	if path != "" {
		// A linked project is read again: dbt may have run since.
		if m, c, err := readDBTPath(path); err != nil {
			s.Logger.Warn("re-read dbt project; keeping the last one read", "connection", connID, "path", path, "err", err)
		} else {
			manifest, catalog = m, c
		}
	}
	p, err := dbt.Parse(manifest, catalog)
	if err != nil {
		return err
	}
	tables, err := s.Store.ListTables(ctx, store.TableFilter{ConnectionID: connID})
	if err != nil {
		return err
	}
	report, writes, err := matchDBT(p, tables)
	if err != nil {
		return nil // nothing matches (yet): keep the earlier report
	}
	report.Path = path
	raw, _ := json.Marshal(report)
	if err := s.Store.PutDBT(ctx, connID, manifest, catalog, path, string(raw)); err != nil {
		return err
	}
	return s.writeDBT(ctx, connID, writes)
}

type dbtWrite struct {
	tableID int64
	ws      []store.DescriptionWrite
}

// matchDBT matches nodes to stored tables, by database too when that matches anything, else by
// schema and identifier only (dbt targets often name the database differently).
func matchDBT(p *dbt.Project, tables []*lore.Table) (*DBTReport, []dbtWrite, error) {
	refs := make([]lore.TableRef, len(tables))
	byRef := map[lore.TableRef]*lore.Table{}
	for i, t := range tables {
		refs[i] = t.Ref()
		byRef[t.Ref()] = t
	}
	report := &DBTReport{Project: p.Name, Adapter: p.AdapterType, SchemaVersion: p.SchemaVersion, HasCatalog: p.HasCatalog, Nodes: len(p.Nodes),
		Matched: []string{}, Unmatched: []string{}}
	m, err := p.Match(refs, dbt.MatchOptions{})
	if err != nil || len(m.Matched) == 0 {
		m, err = p.Match(refs, dbt.MatchOptions{IgnoreDatabase: true})
		report.IgnoreDatabase = true
	}
	if err != nil {
		return report, nil, err
	}
	var writes []dbtWrite
	for ref, n := range m.Matched {
		t := byRef[ref]
		report.Matched = append(report.Matched, ref.String()+" ← "+n.UniqueID)
		w := dbtWrite{tableID: t.ID}
		if n.Description != "" {
			w.ws = append(w.ws, store.DescriptionWrite{Candidate: lore.DescriptionCandidate{Text: n.Description, Source: lore.SourceDBT}})
		}
		for _, c := range n.Columns {
			if c.Description != "" {
				w.ws = append(w.ws, store.DescriptionWrite{Column: c.Name, Candidate: lore.DescriptionCandidate{Text: c.Description, Source: lore.SourceDBT}})
			}
		}
		report.Descriptions += len(w.ws)
		writes = append(writes, w)
	}
	report.Unmatched = append(report.Unmatched, m.Unmatched...)
	sort.Strings(report.Matched)
	sort.Strings(report.Unmatched)
	return report, writes, nil
}

// writeDBT replaces every dbt description of the connection with the new ones. Column names
// from dbt are matched to stored columns case-insensitively.
func (s *Service) writeDBT(ctx context.Context, connID int64, writes []dbtWrite) error {
	if err := s.Store.DeleteDescriptionsBySource(ctx, connID, lore.SourceDBT); err != nil {
		return err
	}
	for _, w := range writes {
		t, err := s.Store.FindTable(ctx, w.tableID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, c := range t.Columns {
			names[lower(c.Name)] = c.Name
		}
		var ws []store.DescriptionWrite
		for _, d := range w.ws {
			if d.Column != "" {
				real, ok := names[lower(d.Column)]
				if !ok {
					continue
				}
				d.Column = real
			}
			ws = append(ws, d)
		}
		if err := s.Store.PutDescriptions(ctx, w.tableID, ws); err != nil {
			return err
		}
	}
	return nil
}
