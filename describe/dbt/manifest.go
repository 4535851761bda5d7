// Package dbt reads dbt artifacts (manifest.json, schema v4 to v12, and optionally
// catalog.json) and matches their models, sources, seeds and snapshots to warehouse tables, so
// their descriptions can be stored with source "dbt".
package dbt

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

// Manifest schema versions Lore reads: v4 (dbt 1.0) to v12 (dbt 1.8 and later).
const (
	MinSchemaVersion = 4
	MaxSchemaVersion = 12
)

// Resource types Lore imports.
const (
	TypeModel    = "model"
	TypeSource   = "source"
	TypeSeed     = "seed"
	TypeSnapshot = "snapshot"
)

// Project is what Lore keeps of a dbt project's artifacts.
type Project struct {
	Name          string `json:"name,omitempty"`
	AdapterType   string `json:"adapter_type,omitempty"`
	DBTVersion    string `json:"dbt_version,omitempty"`
	SchemaVersion int    `json:"schema_version"`
	HasCatalog    bool   `json:"has_catalog"`
	// Nodes holds one node per warehouse relation, sorted by unique id. Nodes of several
	// resources that build or read the same relation (a seed and a source of it) are merged.
	Nodes []*Node `json:"nodes"`
}

// Node is one relation dbt knows: Database, Schema and Identifier (the alias, or the source's
// identifier) name it in the warehouse.
type Node struct {
	UniqueID     string   `json:"unique_id"`
	ResourceType string   `json:"resource_type"`
	Name         string   `json:"name"`
	Database     string   `json:"database,omitempty"`
	Schema       string   `json:"schema"`
	Identifier   string   `json:"identifier"`
	Description  string   `json:"description,omitempty"`
	Columns      []Column `json:"columns,omitempty"`
	// Also lists the unique ids of other resources merged into this node.
	Also []string `json:"also,omitempty"`
}

// Column is a column dbt documents or the catalog lists.
type Column struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	DataType    string `json:"data_type,omitempty"`
}

// Relation returns database.schema.identifier.
func (n *Node) Relation() string {
	if n.Database == "" {
		return n.Schema + "." + n.Identifier
	}
	return n.Database + "." + n.Schema + "." + n.Identifier
}

// Column returns the column named name, compared case-insensitively.
func (n *Node) Column(name string) (Column, bool) {
	for _, c := range n.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

type rawMetadata struct {
	SchemaVersion string `json:"dbt_schema_version"`
	DBTVersion    string `json:"dbt_version"`
	ProjectName   string `json:"project_name"`
	AdapterType   string `json:"adapter_type"`
}

type rawNode struct {
	UniqueID     string         `json:"unique_id"`
	ResourceType string         `json:"resource_type"`
	Name         string         `json:"name"`
	Database     *string        `json:"database"`
	Schema       string         `json:"schema"`
	Alias        *string        `json:"alias"`
	Identifier   *string        `json:"identifier"`
	Description  string         `json:"description"`
	Columns      orderedColumns `json:"columns"`
	Config       struct {
		Enabled      *bool  `json:"enabled"`
		Materialized string `json:"materialized"`
	} `json:"config"`
}

type rawManifest struct {
	Metadata rawMetadata        `json:"metadata"`
	Nodes    map[string]rawNode `json:"nodes"`
	Sources  map[string]rawNode `json:"sources"`
}

var schemaRe = regexp.MustCompile(`/dbt/([a-z-]+)/v([0-9]+)\.json$`)

// schemaVersion returns the artifact kind ("manifest", "catalog", …) and version of a
// dbt_schema_version URL.
func schemaVersion(url string) (kind string, version int, ok bool) {
	m := schemaRe.FindStringSubmatch(strings.TrimSpace(url))
	if m == nil {
		return "", 0, false
	}
	v, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], v, true
}

// Parse reads a manifest.json and, when catalog is not empty, the catalog.json of the same
// project (adding the warehouse's column types and undocumented columns). It returns an
// EINVALID error, with a message saying what to upload instead, when either file is not JSON,
// is not that dbt artifact, or comes from an unsupported schema version.
func Parse(manifest, catalog []byte) (*Project, error) {
	var raw rawManifest
	if err := json.Unmarshal(manifest, &raw); err != nil {
		return nil, jsonError("manifest.json", err)
	}
	kind, version, ok := schemaVersion(raw.Metadata.SchemaVersion)
	switch {
	case !ok:
		return nil, lore.Errorf(lore.EINVALID, "This file is not a dbt manifest: it has no metadata.dbt_schema_version. Upload target/manifest.json from a dbt project (run dbt parse or dbt compile to write it)")
	case kind != "manifest":
		return nil, lore.Errorf(lore.EINVALID, "This file is a dbt %s, not a manifest. Upload target/manifest.json as the manifest", kind)
	case version < MinSchemaVersion || version > MaxSchemaVersion:
		return nil, lore.Errorf(lore.EINVALID, "This manifest uses dbt schema v%d (dbt %s); Lore reads v%d to v%d (dbt 1.0 and later). Re-run dbt parse with a supported dbt version and upload the new target/manifest.json",
			version, orUnknown(raw.Metadata.DBTVersion), MinSchemaVersion, MaxSchemaVersion)
	}
	p := &Project{
		Name:          raw.Metadata.ProjectName,
		AdapterType:   strings.ToLower(raw.Metadata.AdapterType),
		DBTVersion:    raw.Metadata.DBTVersion,
		SchemaVersion: version,
	}
	var nodes []*Node
	for id, rn := range raw.Nodes {
		if n := convert(id, rn); n != nil {
			nodes = append(nodes, n)
		}
	}
	for id, rn := range raw.Sources {
		if n := convert(id, rn); n != nil {
			nodes = append(nodes, n)
		}
	}
	if len(catalog) > 0 {
		if err := addCatalog(nodes, catalog); err != nil {
			return nil, err
		}
		p.HasCatalog = true
	}
	p.Nodes = mergeSameRelation(nodes)
	return p, nil
}

// convert returns the Node for a manifest entry, or nil for resources that are not
// relations Lore can match (tests, analyses, ephemeral models, disabled nodes).
func convert(id string, rn rawNode) *Node {
	switch rn.ResourceType {
	case TypeModel, TypeSource, TypeSeed, TypeSnapshot:
	default:
		return nil
	}
	if rn.Config.Enabled != nil && !*rn.Config.Enabled || rn.Config.Materialized == "ephemeral" {
		return nil
	}
	if rn.UniqueID == "" {
		rn.UniqueID = id
	}
	n := &Node{
		UniqueID:     rn.UniqueID,
		ResourceType: rn.ResourceType,
		Name:         rn.Name,
		Schema:       rn.Schema,
		Identifier:   rn.Name,
		Description:  strings.TrimSpace(rn.Description),
		Columns:      rn.Columns,
	}
	if rn.Database != nil {
		n.Database = *rn.Database
	}
	if rn.ResourceType == TypeSource {
		if rn.Identifier != nil && *rn.Identifier != "" {
			n.Identifier = *rn.Identifier
		}
	} else if rn.Alias != nil && *rn.Alias != "" {
		n.Identifier = *rn.Alias
	}
	if n.Identifier == "" || n.Schema == "" {
		return nil
	}
	return n
}

func jsonError(file string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return lore.Errorf(lore.EINVALID, "The uploaded %s is not valid JSON (error at byte %d). Upload the file exactly as dbt wrote it in target/", file, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return lore.Errorf(lore.EINVALID, "The uploaded %s is JSON but not a dbt artifact (%s has the wrong type). Upload target/%s from a dbt project", file, orUnknown(te.Field), file)
	}
	return lore.Errorf(lore.EINVALID, "The uploaded %s could not be read (%v). Upload the file exactly as dbt wrote it in target/", file, err)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// resourceOrder decides which resource's text wins when several describe one relation:
// the model that builds it over the snapshot, seed or source that reads it.
var resourceOrder = map[string]int{TypeModel: 0, TypeSnapshot: 1, TypeSeed: 2, TypeSource: 3}

// mergeSameRelation folds nodes naming the same relation into one, keeping the first
// non-empty description of each column in resourceOrder, and sorts by unique id.
func mergeSameRelation(nodes []*Node) []*Node {
	sort.Slice(nodes, func(i, j int) bool {
		a, b := nodes[i], nodes[j]
		if ra, rb := resourceOrder[a.ResourceType], resourceOrder[b.ResourceType]; ra != rb {
			return ra < rb
		}
		return a.UniqueID < b.UniqueID
	})
	byKey := make(map[string]*Node, len(nodes))
	var out []*Node
	for _, n := range nodes {
		key := strings.ToLower(n.Relation())
		first, ok := byKey[key]
		if !ok {
			byKey[key] = n
			out = append(out, n)
			continue
		}
		first.Also = append(first.Also, n.UniqueID)
		if first.Description == "" {
			first.Description = n.Description
		}
		for _, c := range n.Columns {
			i := columnIndex(first.Columns, c.Name)
			if i < 0 {
				first.Columns = append(first.Columns, c)
				continue
			}
			if first.Columns[i].Description == "" {
				first.Columns[i].Description = c.Description
			}
			if first.Columns[i].DataType == "" {
				first.Columns[i].DataType = c.DataType
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UniqueID < out[j].UniqueID })
	return out
}

func columnIndex(cols []Column, name string) int {
	for i, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// orderedColumns decodes a manifest's columns object keeping the order dbt wrote.
type orderedColumns []Column

// UnmarshalJSON reads {"name": {"name", "description", "data_type"}, …} in order.
func (oc *orderedColumns) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var c struct {
			Name        string  `json:"name"`
			Description string  `json:"description"`
			DataType    *string `json:"data_type"`
		}
		if err := dec.Decode(&c); err != nil {
			return fmt.Errorf("column %q: %w", key, err)
		}
		if c.Name == "" {
			c.Name = key
		}
		col := Column{Name: c.Name, Description: strings.TrimSpace(c.Description)}
		if c.DataType != nil {
			col.DataType = *c.DataType
		}
		*oc = append(*oc, col)
	}
	return nil
}
