package web

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/contextpack"
)

// Bounds of search_catalog's limit argument.
const (
	mcpSearchDefault = 20
	mcpSearchMax     = 100
)

// mcpPersona is one persona as list_personas shows it.
type mcpPersona struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Tables      int      `json:"tables" jsonschema:"number of tables in the persona"`
	Glossary    int      `json:"glossary_terms" jsonschema:"number of glossary terms"`
	Warnings    []string `json:"warnings,omitempty" jsonschema:"tables dropped or deselected since they were added"`
}

type listPersonasIn struct{}

type listPersonasOut struct {
	Personas []mcpPersona `json:"personas"`
}

type contextIn struct {
	PersonaID    int64  `json:"persona_id" jsonschema:"id of the persona, from list_personas"`
	Format       string `json:"format,omitempty" jsonschema:"markdown (default) or json"`
	BudgetTokens int    `json:"budget_tokens,omitempty" jsonschema:"most cl100k_base tokens the pack may use; 0 or absent for no limit"`
	Query        string `json:"query,omitempty" jsonschema:"the question being answered: tables, columns and terms that match it rank first"`
}

type searchIn struct {
	Query string `json:"query" jsonschema:"words to find in table and column names and descriptions"`
	Limit int    `json:"limit,omitempty" jsonschema:"most hits to return (default 20, at most 100)"`
}

type searchOut struct {
	Hits []catalog.SearchHit `json:"hits"`
}

type describeIn struct {
	TableID int64 `json:"table_id" jsonschema:"id of the table, from search_catalog or a context pack"`
}

// addMCPTools registers Lore's tools on srv. Every tool acts as the caller and sees only the
// personas of the caller's teams (admins: all) and their tables.
func (s *Server) addMCPTools(srv *mcp.Server) {
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "list_personas",
		Description: "List the personas you can use: id, name, description, table and glossary counts, warnings.",
		Annotations: readOnly,
	}, s.mcpListPersonas)
	mcp.AddTool(srv, &mcp.Tool{
		Name: "get_persona_context",
		Description: "Get a persona's context pack: instructions, tables, columns, types, descriptions with " +
			"their sources, profile highlights, keys, join paths and glossary, ranked by relevance and " +
			"trimmed to budget_tokens. The pack lists what it left out.",
		Annotations: readOnly,
	}, s.mcpContext)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "search_catalog",
		Description: "Search the tables and columns of your personas by name and description.",
		Annotations: readOnly,
	}, s.mcpSearch)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "describe_table",
		Description: "Describe one table of your personas: every column with its type, description and profile.",
		Annotations: readOnly,
	}, s.mcpDescribe)
}

func (s *Server) mcpListPersonas(ctx context.Context, req *mcp.CallToolRequest, _ listPersonasIn) (*mcp.CallToolResult, listPersonasOut, error) {
	var out listPersonasOut
	u, err := mcpUser(req)
	if err != nil {
		return nil, out, s.toolError("list_personas", err)
	}
	ps, err := s.catalog.ListPersonas(ctx, u)
	if err != nil {
		return nil, out, s.toolError("list_personas", err)
	}
	out.Personas = make([]mcpPersona, 0, len(ps))
	for _, p := range ps {
		out.Personas = append(out.Personas, mcpPersona{ID: p.ID, Name: p.Name, Description: p.Description,
			Tables: len(p.TableIDs), Glossary: len(p.Glossary), Warnings: p.Warnings})
	}
	return nil, out, nil
}

func (s *Server) mcpContext(ctx context.Context, req *mcp.CallToolRequest, in contextIn) (*mcp.CallToolResult, any, error) {
	u, err := mcpUser(req)
	if err != nil {
		return nil, nil, s.toolError("get_persona_context", err)
	}
	opts := contextpack.Options{Format: in.Format, BudgetTokens: in.BudgetTokens, Query: in.Query}
	if opts.Format == "" {
		opts.Format = contextpack.FormatMarkdown
	}
	pack, err := s.catalog.Context(ctx, u, in.PersonaID, opts)
	if err != nil {
		return nil, nil, s.toolError("get_persona_context", err)
	}
	body, _, err := renderPack(pack, opts.Format)
	if err != nil {
		return nil, nil, s.toolError("get_persona_context", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(body)}}}, nil, nil
}

func (s *Server) mcpSearch(ctx context.Context, req *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	var out searchOut
	u, err := mcpUser(req)
	if err != nil {
		return nil, out, s.toolError("search_catalog", err)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = mcpSearchDefault
	}
	limit = min(limit, mcpSearchMax)
	hits, err := s.catalog.SearchCatalog(ctx, u, in.Query, limit)
	if err != nil {
		return nil, out, s.toolError("search_catalog", err)
	}
	out.Hits = hits
	if out.Hits == nil {
		out.Hits = []catalog.SearchHit{}
	}
	return nil, out, nil
}

func (s *Server) mcpDescribe(ctx context.Context, req *mcp.CallToolRequest, in describeIn) (*mcp.CallToolResult, any, error) {
	u, err := mcpUser(req)
	if err != nil {
		return nil, nil, s.toolError("describe_table", err)
	}
	t, err := s.catalog.TableFor(ctx, u, in.TableID)
	if err != nil {
		return nil, nil, s.toolError("describe_table", err)
	}
	b, err := json.MarshalIndent(tableForAI(t), "", "  ")
	if err != nil {
		return nil, nil, s.toolError("describe_table", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
}

// tableForAI returns a copy of t without the description history an AI analyst has no use
// for: only the shown description of the table and of each column stays.
func tableForAI(t *lore.Table) *lore.Table {
	c := *t
	c.Description.Sources = nil
	c.Columns = make([]lore.Column, len(t.Columns))
	for i, col := range t.Columns {
		col.Description.Sources = nil
		c.Columns[i] = col
	}
	return &c
}
