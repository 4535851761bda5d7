package web

import (
	"net/http"

	"github.com/lorehq/lore/catalog"
)

// routes is the one list of every route Lore serves. Access wrappers say who may call a route:
//
//	public     anyone (the user is loaded when signed in)
//	page       a signed-in user; anonymous browsers are sent to /login
//	adminPage  a signed-in admin (403 for members)
//	api        a bearer token or session; 401 JSON otherwise
//	adminAPI   as api, admins only
//
// Non-GET routes are also checked by http.CrossOriginProtection (see crossOrigin). Routes
// needing a body over DefaultMaxBody register with s.handleLimit.
func (s *Server) routes() {
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /static/", s.assets)
	s.handle("GET /{$}", s.public(s.home))

	// Accounts.
	s.handle("GET /setup", s.public(s.setupForm))
	s.handle("POST /setup", s.public(s.setup))
	s.handle("GET /login", s.public(s.loginForm))
	s.handle("POST /login", s.public(s.login))
	s.handle("POST /logout", s.public(s.logout))

	// Sidebar pages.
	s.handle("GET /metadata", s.page(s.metadataPage))
	s.handle("GET /personas", s.page(s.personasPage))
	s.handle("GET /teams", s.page(s.teamsPage))
	s.handle("POST /teams", s.adminPage(s.teamCreate))
	s.handle("GET /teams/{id}", s.page(s.teamEditPage))
	s.handle("POST /teams/{id}", s.adminPage(s.teamUpdate))
	s.handle("POST /teams/{id}/delete", s.adminPage(s.teamDelete))
	s.handle("GET /settings", s.page(s.settingsPage))
	s.handle("POST /settings/tokens", s.page(s.tokenCreate))
	s.handle("POST /settings/tokens/{id}/delete", s.page(s.tokenDelete))

	// JSON API.
	s.handle("GET /api/v1/me", s.api(s.apiMe))
	s.handle("GET /api/v1/teams", s.api(s.apiTeams))
	s.handle("POST /api/v1/teams", s.adminAPI(s.apiTeamCreate))
	s.handle("GET /api/v1/teams/{id}", s.api(s.apiTeam))
	s.handle("PATCH /api/v1/teams/{id}", s.adminAPI(s.apiTeamUpdate))
	s.handle("DELETE /api/v1/teams/{id}", s.adminAPI(s.apiTeamDelete))
	s.handle("/api/", s.api(s.apiNotFound))

	// Metadata tab, processing runs and table pages (metadata.go, runs.go, tables.go and their
	// *_api.go). Managing metadata is admin work; table pages check access per table.
	s.handle("GET /connections/{id}/metadata", s.adminPage(s.metadataConnPage))
	s.handle("GET /connections/{id}/metadata/tree", s.adminPage(s.metadataTree))
	s.handle("GET /connections/{id}/metadata/run", s.adminPage(s.runPanelPartial))
	s.handle("POST /connections/{id}/metadata/refresh", s.adminPage(s.metadataRefresh))
	s.handle("POST /runs/{id}/{action}", s.adminPage(s.runAction))
	s.handle("GET /tables/{id}", s.page(s.tablePage))
	s.handle("POST /tables/{id}/{action}", s.adminPage(s.tableAction))
	s.handle("GET /api/v1/connections/{id}/selection", s.adminAPI(s.apiSelection))
	s.handle("PUT /api/v1/connections/{id}/selection", s.adminAPI(s.apiSelectionPut))
	s.handle("POST /api/v1/connections/{id}/process", s.adminAPI(s.apiProcess))
	s.handle("POST /api/v1/connections/{id}/refresh", s.adminAPI(s.apiRefresh))
	s.handle("GET /api/v1/connections/{id}/tables", s.adminAPI(s.apiTables))
	s.handle("GET /api/v1/runs/{id}", s.adminAPI(s.apiRun))
	s.handle("POST /api/v1/runs/{id}/retry", s.adminAPI(s.apiRunRetry))
	s.handle("POST /api/v1/runs/{id}/cancel", s.adminAPI(s.apiRunCancel))
	s.handle("GET /api/v1/tables/{id}", s.api(s.apiTable))
	s.handle("PATCH /api/v1/tables/{id}", s.adminAPI(s.apiTablePatch))

	// Connect tab, connections API, dbt upload and AI settings (connections*.go, dbt.go,
	// settings_ai.go). Members see the list; everything else is admin work.
	s.handle("GET /connections", s.page(s.connectionsPage))
	s.handle("GET /connections/new", s.adminPage(s.connectionNew))
	s.handle("POST /connections", s.adminPage(s.connectionCreate))
	s.handle("POST /connections/test", s.adminPage(s.connectionTestForm))
	s.handle("GET /connections/{id}", s.adminPage(s.connectionEdit))
	s.handle("POST /connections/{id}", s.adminPage(s.connectionUpdate))
	s.handle("POST /connections/{id}/test", s.adminPage(s.connectionTestForm))
	s.handle("GET /connections/{id}/delete", s.adminPage(s.connectionDeleteConfirm))
	s.handle("POST /connections/{id}/delete", s.adminPage(s.connectionDelete))
	s.handle("GET /connections/{id}/dbt", s.page(s.dbtPage))
	s.handleLimit("POST /connections/{id}/dbt", catalog.MaxDBTBytes, s.adminPage(s.dbtUpload))
	s.handle("POST /connections/{id}/dbt/path", s.adminPage(s.dbtLink))
	s.handle("POST /settings/ai", s.adminPage(s.settingsAISave))
	s.handle("GET /api/v1/connections", s.api(s.apiConnections))
	s.handle("POST /api/v1/connections", s.adminAPI(s.apiConnectionCreate))
	s.handle("POST /api/v1/connections/test", s.adminAPI(s.apiConnectionTestDraft))
	s.handle("GET /api/v1/connections/{id}", s.api(s.apiConnection))
	s.handle("PATCH /api/v1/connections/{id}", s.adminAPI(s.apiConnectionUpdate))
	s.handle("DELETE /api/v1/connections/{id}", s.adminAPI(s.apiConnectionDelete))
	s.handle("POST /api/v1/connections/{id}/test", s.adminAPI(s.apiConnectionTest))
	s.handle("GET /api/v1/connections/{id}/databases", s.adminAPI(s.apiBrowse))
	s.handle("GET /api/v1/connections/{id}/databases/{db}/schemas", s.adminAPI(s.apiBrowse))
	s.handle("GET /api/v1/connections/{id}/databases/{db}/schemas/{schema}/tables", s.adminAPI(s.apiBrowse))
	s.handle("GET /api/v1/connections/{id}/dbt", s.api(s.apiDBTStatus))
	s.handleLimit("POST /api/v1/connections/{id}/dbt", catalog.MaxDBTBytes, s.adminAPI(s.apiDBTUpload))

	// Personas, context packs, MCP and the OpenAPI document (personas*.go, mcp*.go, openapi.go).
	// Admins manage personas; members see and use those of their teams (the catalog service
	// checks). /mcp takes bearer API tokens only, never the session cookie.
	s.handle("GET /personas/new", s.adminPage(s.personaNew))
	s.handle("POST /personas", s.adminPage(s.personaCreate))
	s.handle("GET /personas/{id}", s.page(s.personaView))
	s.handle("GET /personas/{id}/edit", s.adminPage(s.personaEdit))
	s.handle("POST /personas/{id}", s.adminPage(s.personaUpdate))
	s.handle("POST /personas/{id}/delete", s.adminPage(s.personaDelete))
	s.handle("GET /api/v1/personas", s.api(s.apiPersonas))
	s.handle("POST /api/v1/personas", s.adminAPI(s.apiPersonaCreate))
	s.handle("GET /api/v1/personas/{id}", s.api(s.apiPersona))
	s.handle("PATCH /api/v1/personas/{id}", s.adminAPI(s.apiPersonaUpdate))
	s.handle("DELETE /api/v1/personas/{id}", s.adminAPI(s.apiPersonaDelete))
	s.handle("GET /api/v1/personas/{id}/context", s.api(s.apiPersonaContext))
	s.handle("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	s.handleLimit(mcpPath, MaxMCPBody, s.mcpHandler())

	// Anything else: an HTML 404.
	s.handle("/", s.public(s.notFound))
}
