package dbt

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/lorehq/lore"
)

type rawCatalogTable struct {
	Metadata struct {
		Database *string `json:"database"`
		Schema   string  `json:"schema"`
		Name     string  `json:"name"`
	} `json:"metadata"`
	Columns map[string]struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
		Name  string `json:"name"`
	} `json:"columns"`
}

type rawCatalog struct {
	Metadata rawMetadata                `json:"metadata"`
	Nodes    map[string]rawCatalogTable `json:"nodes"`
	Sources  map[string]rawCatalogTable `json:"sources"`
}

// addCatalog adds the catalog's column types, and the columns dbt does not document, to
// nodes, matching catalog entries by unique id and else by relation.
func addCatalog(nodes []*Node, catalog []byte) error {
	var raw rawCatalog
	if err := json.Unmarshal(catalog, &raw); err != nil {
		return jsonError("catalog.json", err)
	}
	kind, version, ok := schemaVersion(raw.Metadata.SchemaVersion)
	switch {
	case !ok:
		return lore.Errorf(lore.EINVALID, "The uploaded catalog is not a dbt catalog: it has no metadata.dbt_schema_version. Upload target/catalog.json (written by dbt docs generate), or leave the catalog empty")
	case kind != "catalog":
		return lore.Errorf(lore.EINVALID, "The file uploaded as the catalog is a dbt %s. Upload target/catalog.json (written by dbt docs generate), or leave the catalog empty", kind)
	case version != 1:
		return lore.Errorf(lore.EINVALID, "This catalog uses dbt catalog schema v%d; Lore reads v1. Upload a catalog.json from dbt 1.x, or leave the catalog empty", version)
	}
	byID := make(map[string]rawCatalogTable, len(raw.Nodes)+len(raw.Sources))
	byRel := make(map[string]rawCatalogTable, len(raw.Nodes)+len(raw.Sources))
	for _, m := range []map[string]rawCatalogTable{raw.Nodes, raw.Sources} {
		for id, t := range m {
			byID[id] = t
			db := ""
			if t.Metadata.Database != nil {
				db = *t.Metadata.Database
			}
			byRel[strings.ToLower(db+"."+t.Metadata.Schema+"."+t.Metadata.Name)] = t
		}
	}
	for _, n := range nodes {
		t, ok := byID[n.UniqueID]
		if !ok {
			t, ok = byRel[strings.ToLower(n.Database+"."+n.Schema+"."+n.Identifier)]
		}
		if ok {
			n.Columns = withCatalogColumns(n.Columns, t)
		}
	}
	return nil
}

// withCatalogColumns returns the columns in the warehouse's order with the warehouse's types,
// keeping dbt's names and descriptions; documented columns the catalog lacks come last.
func withCatalogColumns(documented []Column, t rawCatalogTable) []Column {
	type catCol struct {
		name, typ string
		index     int
	}
	cat := make([]catCol, 0, len(t.Columns))
	for key, c := range t.Columns {
		name := c.Name
		if name == "" {
			name = key
		}
		cat = append(cat, catCol{name: name, typ: c.Type, index: c.Index})
	}
	sort.Slice(cat, func(i, j int) bool {
		if cat[i].index != cat[j].index {
			return cat[i].index < cat[j].index
		}
		return cat[i].name < cat[j].name
	})
	used := make([]bool, len(documented))
	out := make([]Column, 0, len(cat)+len(documented))
	for _, c := range cat {
		col := Column{Name: c.name, DataType: c.typ}
		if i := columnIndex(documented, c.name); i >= 0 && !used[i] {
			used[i] = true
			col.Name = documented[i].Name
			col.Description = documented[i].Description
			if col.DataType == "" {
				col.DataType = documented[i].DataType
			}
		}
		out = append(out, col)
	}
	for i, c := range documented {
		if !used[i] {
			out = append(out, c)
		}
	}
	return out
}
