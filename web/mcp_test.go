package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lorehq/lore/internal/loretest"
	"github.com/lorehq/lore/web"
)

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// mcpSession connects an MCP client of the Go SDK to url with token.
func mcpSession(t *testing.T, url, token string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "lore-test", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: url + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{token, http.DefaultTransport}}}
	cs, err := client.Connect(ctx, tr, nil)
	if err != nil {
		t.Fatalf("connect MCP: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callText calls a tool and returns its text content and whether it failed.
func callText(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

func testMCP(t *testing.T, w *personaWorld) {
	l := w.l
	cs := mcpSession(t, l.URL, w.salesTok)
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "describe_table,get_persona_context,list_personas,search_catalog" {
		t.Fatalf("tools: %v", names)
	}

	text, failed := callText(t, cs, "list_personas", nil)
	var list struct {
		Personas []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Tables int    `json:"tables"`
		} `json:"personas"`
	}
	if err := json.Unmarshal([]byte(text), &list); failed || err != nil || len(list.Personas) != 1 || list.Personas[0].ID != w.persona.ID || list.Personas[0].Tables != 3 {
		t.Fatalf("list_personas: %v %v %s", failed, err, text)
	}
	text, failed = callText(t, cs, "get_persona_context", map[string]any{"persona_id": w.persona.ID})
	if failed || !strings.Contains(text, "Answer in SQL for PostgreSQL") || !strings.Contains(text, "venue") {
		t.Fatalf("get_persona_context: %v %s", failed, text)
	}
	text, failed = callText(t, cs, "get_persona_context", map[string]any{"persona_id": w.persona.ID, "format": "json", "budget_tokens": 2000})
	var pack struct {
		Tokens  int               `json:"tokens"`
		Omitted []json.RawMessage `json:"omitted"`
	}
	if err := json.Unmarshal([]byte(text), &pack); failed || err != nil || pack.Tokens > 2000 || len(pack.Omitted) == 0 {
		t.Fatalf("get_persona_context json 2000: %v %v %.300s", failed, err, text)
	}
	if text, failed = callText(t, cs, "get_persona_context", map[string]any{"persona_id": w.persona.ID, "budget_tokens": 3}); !failed || !strings.Contains(text, "invalid") {
		t.Fatalf("tiny budget: %v %s", failed, text)
	}
	text, failed = callText(t, cs, "search_catalog", map[string]any{"query": "venue"})
	if failed || !strings.Contains(text, "tickit.venue") || strings.Contains(text, "tickit.category") {
		t.Fatalf("search_catalog: %v %s", failed, text)
	}
	text, failed = callText(t, cs, "describe_table", map[string]any{"table_id": w.tables["venue"]})
	if failed || !strings.Contains(text, "venuename") {
		t.Fatalf("describe_table venue: %v %.300s", failed, text)
	}
	if text, failed = callText(t, cs, "describe_table", map[string]any{"table_id": w.tables["category"]}); !failed || !strings.Contains(text, "forbidden") {
		t.Fatalf("describe_table outside the personas: %v %s", failed, text)
	}

	// A member of another team sees no persona and cannot read this one's context or tables.
	oc := mcpSession(t, l.URL, w.otherTok)
	if text, failed = callText(t, oc, "list_personas", nil); failed || strings.Contains(text, "Sales analyst") {
		t.Fatalf("other list_personas: %v %s", failed, text)
	}
	if text, failed = callText(t, oc, "get_persona_context", map[string]any{"persona_id": w.persona.ID}); !failed || !strings.Contains(text, "forbidden") || strings.Contains(text, "Sales analyst") {
		t.Fatalf("other get_persona_context: %v %s", failed, text)
	}
	if text, failed = callText(t, oc, "search_catalog", map[string]any{"query": "venue"}); failed || strings.Contains(text, "tickit.venue") {
		t.Fatalf("other search_catalog: %v %s", failed, text)
	}
	if _, failed = callText(t, oc, "describe_table", map[string]any{"table_id": w.tables["venue"]}); !failed {
		t.Fatal("other describe_table succeeded")
	}
}

// rawMCP posts body to /mcp with the headers of a streamable HTTP client.
func rawMCP(t *testing.T, url, token string, body []byte, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/mcp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMCPRejects checks /mcp refuses callers without a valid token and bad requests, with
// messages that say what is wrong.
func TestMCPRejects(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	u, tok := l.CreateUser(t, "rev@example.com", false)
	init := []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)

	if code, body := rawMCP(t, l.URL, tok, init, nil); code != 200 || !strings.Contains(body, `"serverInfo"`) {
		t.Fatalf("initialize with a valid token: %d %s", code, body)
	}
	if code, body := rawMCP(t, l.URL, "", init, nil); code != 401 || !strings.Contains(body, "Bearer") {
		t.Errorf("no token: %d %s", code, body)
	}
	if code, _ := rawMCP(t, l.URL, "not-a-token", init, nil); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	// A browser session is not enough.
	jar := signIn(t, l, l.Admin.Email).Jar
	cookies := jar.Cookies(mustURL(t, l.URL))
	if len(cookies) == 0 {
		t.Fatal("no session cookie after sign-in")
	}
	if code, _ := rawMCP(t, l.URL, "", init, cookies[0]); code != 401 {
		t.Errorf("session cookie only: %d", code)
	}
	// Malformed and oversized requests.
	if code, body := rawMCP(t, l.URL, tok, []byte(`{"jsonrpc":`), nil); code != 400 || body == "" {
		t.Errorf("malformed: %d %s", code, body)
	}
	big := append([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":"`), bytes.Repeat([]byte("x"), web.MaxMCPBody)...)
	big = append(big, []byte(`"}}`)...)
	if code, body := rawMCP(t, l.URL, tok, big, nil); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "exceeds") {
		t.Errorf("oversized: %d %.200s", code, body)
	}
	// A revoked token stops working at once.
	toks, err := l.Store.ListTokens(context.Background(), u.ID)
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	if err := l.Store.DeleteToken(context.Background(), u.ID, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := rawMCP(t, l.URL, tok, init, nil); code != 401 {
		t.Errorf("revoked token: %d", code)
	}
}

func mustURL(t *testing.T, raw string) *neturl.URL {
	t.Helper()
	u, err := neturl.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
