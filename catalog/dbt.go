package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

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
}

// MaxDBTBytes bounds an uploaded manifest (real manifests reach tens of MiB).
const MaxDBTBytes = 64 << 20

// UploadDBT parses a dbt manifest (and optional catalog), checks it is for this warehouse,
// stores it, and applies its descriptions to the stored tables with source dbt. A bad file
// changes nothing.
func (s *Service) UploadDBT(ctx context.Context, u *lore.User, connID int64, manifest, catalog []byte) (*DBTReport, error) {
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
	raw, _ := json.Marshal(report)
	if err := s.Store.PutDBT(ctx, connID, manifest, catalog, "", string(raw)); err != nil {
		return nil, err
	}
	if err := s.writeDBT(ctx, connID, writes); err != nil {
		return nil, err
	}
	s.audit(ctx, u, "dbt.upload", c.Name, fmt.Sprintf("%d nodes, %d matched", report.Nodes, len(report.Matched)))
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
