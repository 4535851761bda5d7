package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of every /api/v1 route, written by hand next
// to the handlers. TestOpenAPIMatchesRoutes keeps it and routes.go in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the OpenAPI document to anyone: it describes routes, never data.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}
