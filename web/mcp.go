package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lorehq/lore"
)

// MaxMCPBody is the largest MCP request body Lore reads; larger ones get 413.
const MaxMCPBody = 1 << 20

// mcpPath is where the MCP endpoint is served (streamable HTTP).
const mcpPath = "/mcp"

// mcpInstructions tell an AI client what the server offers and in which order to use it.
const mcpInstructions = "Lore serves the context an AI analyst needs to write SQL against a team's warehouse. " +
	"Call list_personas first, then get_persona_context with a persona id (Markdown by default; " +
	"give budget_tokens to fit your context window). Use search_catalog to find tables and columns by " +
	"name or description, and describe_table for every column of one table. You only see the " +
	"personas of your teams and their tables."

// isMCP reports whether r is for the MCP endpoint.
func isMCP(r *http.Request) bool { return r.URL.Path == mcpPath }

// mcpHandler returns the MCP endpoint: one stateless MCP server whose tools act as the user of
// each request's bearer token. Stateless, because every tool call is a self-contained read:
// no session state to lose when Lore restarts or runs behind several web processes.
func (s *Server) mcpHandler() http.Handler {
	srv := mcp.NewServer(&mcp.Implementation{Name: "lore", Title: "Lore", Version: s.cfg.Version},
		&mcp.ServerOptions{Instructions: mcpInstructions, Logger: s.log})
	s.addMCPTools(srv)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		Logger:              s.log,
		MaxRequestBodyBytes: MaxMCPBody,
		// Every request must carry a bearer token, which a page of another site cannot read or
		// send, so the SDK's Host-header check against DNS rebinding adds nothing and would
		// refuse Lore behind a reverse proxy on the same machine.
		DisableLocalhostProtection: true,
	})
	// The user was already loaded by mcpAuth; the SDK's middleware only hands it to the tool
	// handlers (CallToolRequest.Extra.TokenInfo).
	verify := func(ctx context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		u := userFrom(r.Context())
		if u == nil {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: strconv.FormatInt(u.ID, 10), Extra: map[string]any{"user": u}}, nil
	}
	return s.mcpAuth(auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h))
}

// mcpAuth admits requests with a valid API token in "Authorization: Bearer", the same tokens as
// the JSON API. Session cookies are never accepted here. Failures are JSON errors: 401 without
// a token or with a bad or revoked one.
func (s *Server) mcpAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		var u *lore.User
		var err error
		if !ok || token == "" {
			err = lore.Errorf(lore.EUNAUTHORIZED,
				"MCP needs \"Authorization: Bearer <token>\": create a token under Settings → API tokens, or with `lore tokens create`.")
		} else {
			u, err = s.accounts.TokenUser(r.Context(), token)
		}
		if err != nil {
			if lore.ErrorCode(err) == lore.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lore"`)
			}
			s.jsonError(w, r, err)
			return
		}
		next.ServeHTTP(w, withUser(r, u))
	})
}

// mcpUser returns the caller of a tool call, as mcpAuth loaded it.
func mcpUser(req *mcp.CallToolRequest) (*lore.User, error) {
	if req != nil && req.Extra != nil && req.Extra.TokenInfo != nil {
		if u, ok := req.Extra.TokenInfo.Extra["user"].(*lore.User); ok && u != nil {
			return u, nil
		}
	}
	return nil, lore.Errorf(lore.EUNAUTHORIZED, "No user for this call: send \"Authorization: Bearer <token>\".")
}

// toolError turns a lore error into the text an AI client sees in a failed tool result: the
// user-facing message with its code, never internal detail.
func (s *Server) toolError(tool string, err error) error {
	code := lore.ErrorCode(err)
	if code == lore.EINTERNAL {
		s.log.Error("mcp tool failed", "tool", tool, "err", err)
	}
	return &toolErr{msg: code + ": " + strings.TrimSpace(lore.ErrorMessage(err))}
}

type toolErr struct{ msg string }

func (e *toolErr) Error() string { return e.msg }
