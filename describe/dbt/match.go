package dbt

import (
	"sort"
	"strings"

	"github.com/lorehq/lore"
)

// MatchOptions tune Match.
type MatchOptions struct {
	// IgnoreDatabase matches on schema and identifier only, for projects whose dbt target
	// database has another name than the connection's (a dev copy, a renamed database).
	IgnoreDatabase bool
}

// MatchResult is the outcome of matching a project to warehouse tables.
type MatchResult struct {
	// Matched maps each warehouse table that has a dbt node to it.
	Matched map[lore.TableRef]*Node
	// Unmatched lists the dbt nodes that match none of the tables, as
	// "model analytics.marts.fct_sales", sorted.
	Unmatched []string
	// Undocumented lists the tables no dbt node matches, in the order given.
	Undocumented []lore.TableRef
}

// Match pairs warehouse tables with the project's nodes by database, schema and identifier,
// case-insensitively (a node without a database matches any). It returns an EINVALID error,
// along with the (empty) result, when nothing matches: the manifest is probably for another
// warehouse, and the message says what the project names and what to try.
func (p *Project) Match(tables []lore.TableRef, opt MatchOptions) (MatchResult, error) {
	exact := make(map[string]*Node, len(p.Nodes))
	loose := make(map[string]*Node, len(p.Nodes))
	for _, n := range p.Nodes {
		k := looseKey(n.Schema, n.Identifier)
		if n.Database != "" {
			exact[strings.ToLower(n.Database)+"\x00"+k] = n
		}
		if _, taken := loose[k]; !taken || n.Database == "" {
			loose[k] = n
		}
	}
	res := MatchResult{Matched: make(map[lore.TableRef]*Node)}
	used := make(map[*Node]bool)
	for _, t := range tables {
		k := looseKey(t.Schema, t.Name)
		n, ok := exact[strings.ToLower(t.Database)+"\x00"+k]
		if !ok {
			if ln, found := loose[k]; found && (opt.IgnoreDatabase || ln.Database == "") {
				n, ok = ln, true
			}
		}
		if !ok {
			res.Undocumented = append(res.Undocumented, t)
			continue
		}
		res.Matched[t] = n
		used[n] = true
	}
	for _, n := range p.Nodes {
		if !used[n] {
			res.Unmatched = append(res.Unmatched, n.ResourceType+" "+n.Relation())
		}
	}
	sort.Strings(res.Unmatched)
	if len(res.Matched) > 0 || len(tables) == 0 {
		return res, nil
	}
	return res, p.noMatchError(tables, opt, loose)
}

func looseKey(schema, identifier string) string {
	return strings.ToLower(schema) + "\x00" + strings.ToLower(identifier)
}

func (p *Project) noMatchError(tables []lore.TableRef, opt MatchOptions, loose map[string]*Node) error {
	if len(p.Nodes) == 0 {
		return lore.Errorf(lore.EINVALID, "The manifest has no models, sources, seeds or snapshots to match; upload the manifest of the dbt project that builds these tables")
	}
	if !opt.IgnoreDatabase {
		n := 0
		for _, t := range tables {
			if _, ok := loose[looseKey(t.Schema, t.Name)]; ok {
				n++
			}
		}
		if n > 0 {
			return lore.Errorf(lore.EINVALID, "No dbt node matches the selected tables by database, but %d match by schema and table name: the dbt project uses database %s and the connection %s. Turn on \"ignore database\" to match them",
				n, list(p.databases()), list(databasesOf(tables)))
		}
	}
	return lore.Errorf(lore.EINVALID, "None of the %d dbt nodes matches a selected table: the project uses schemas %s, the selected tables are in %s. The manifest is probably for another warehouse; upload the one for this connection, or select the tables dbt builds",
		len(p.Nodes), list(p.schemas()), list(schemasOf(tables)))
}

func (p *Project) databases() []string {
	var out []string
	for _, n := range p.Nodes {
		out = append(out, n.Database)
	}
	return distinct(out)
}

func (p *Project) schemas() []string {
	var out []string
	for _, n := range p.Nodes {
		out = append(out, n.Schema)
	}
	return distinct(out)
}

func databasesOf(tables []lore.TableRef) []string {
	var out []string
	for _, t := range tables {
		out = append(out, t.Database)
	}
	return distinct(out)
}

func schemasOf(tables []lore.TableRef) []string {
	var out []string
	for _, t := range tables {
		out = append(out, t.Schema)
	}
	return distinct(out)
}

func distinct(s []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, x := range s {
		if x != "" && !seen[strings.ToLower(x)] {
			seen[strings.ToLower(x)] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// list joins up to five names for a message.
func list(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + " and others"
	}
	return strings.Join(names, ", ")
}

// compatible lists the dbt adapters whose manifests fit each warehouse dialect. Redshift
// descends from PostgreSQL, and teams do run dbt-postgres against Redshift (and test
// Redshift projects on PostgreSQL), so each accepts the other.
var compatible = map[lore.Dialect][]string{
	lore.DialectRedshift: {"redshift", "postgres"},
	lore.DialectPostgres: {"postgres", "redshift"},
}

// CheckWarehouse returns an EINVALID error when the manifest was written by a dbt adapter
// for another kind of warehouse than d (e.g. snowflake for a Redshift connection). A
// manifest without an adapter type passes.
func (p *Project) CheckWarehouse(d lore.Dialect) error {
	if p.AdapterType == "" {
		return nil
	}
	for _, a := range compatible[d] {
		if a == p.AdapterType {
			return nil
		}
	}
	return lore.Errorf(lore.EINVALID, "This manifest was written by dbt's %s adapter, but the connection is a %s warehouse. Upload the manifest.json of the dbt project that builds this warehouse",
		p.AdapterType, d)
}
