package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

var httpMethods = []string{"get", "put", "post", "patch", "delete"}

// routedAPI returns "METHOD /api/v1/…" for every API route registered in routes.go.
func routedAPI(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`s\.handle(?:Limit)?\("([A-Z]+ /api/v1/[^"]*)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 10 {
		t.Fatalf("found only %d API routes in routes.go; has its shape changed?", len(out))
	}
	return out
}

func readOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return &doc
}

// TestOpenAPIMatchesRoutes checks that every /api/v1 route is documented and that every
// documented operation reaches its own route, not the API's catch-all.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	for _, route := range routedAPI(t) {
		method, path, _ := strings.Cut(route, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in openapi.json", route)
		}
	}
	e := setup(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for path, item := range doc.Paths {
		for _, m := range httpMethods {
			if _, ok := item[m]; !ok {
				continue
			}
			want := strings.ToUpper(m) + " " + path
			r := httptest.NewRequest(strings.ToUpper(m), param.ReplaceAllString(path, "1"), nil)
			if _, got := e.server.mux.Handler(r); got != want {
				t.Errorf("documented %s is served by %q", want, got)
			}
		}
	}
}

// TestOpenAPIRefsResolve checks every $ref names a component and every operation has an id
// and responses.
func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	re := regexp.MustCompile(`"\$ref":\s*"#/components/(schemas|responses)/([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(string(openAPIDocument), -1) {
		set := doc.Components.Schemas
		if m[1] == "responses" {
			set = doc.Components.Responses
		}
		if _, ok := set[m[2]]; !ok {
			t.Errorf("$ref %s/%s does not resolve", m[1], m[2])
		}
	}
	var ids []string
	for path, item := range doc.Paths {
		for _, m := range httpMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: operationId %q, %d responses, %v", m, path, op.OperationID, len(op.Responses), err)
			}
			if slices.Contains(ids, op.OperationID) {
				t.Errorf("operationId %s is used twice", op.OperationID)
			}
			ids = append(ids, op.OperationID)
		}
	}
}

// TestOpenAPIServed checks the document is public and served as JSON.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	resp, err := http.Get(e.http.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || string(body) != string(openAPIDocument) {
		t.Fatalf("GET /api/v1/openapi.json without auth: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
