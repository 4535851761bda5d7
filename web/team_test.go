package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

func TestAPIMeAndBearerTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleAdmin)
	tok := e.token("ana@example.com")
	c := e.client()

	r := e.jsonReq(c, http.MethodGet, "/api/v1/me", tok, nil)
	r.wantStatus(t, http.StatusOK)
	var me lore.User
	if err := json.Unmarshal([]byte(r.body), &me); err != nil || me.Email != "ana@example.com" || me.Role != "admin" {
		t.Fatalf("me = %+v (%v) from %s", me, err, r.body)
	}
	if !strings.Contains(r.body, `"created_at"`) {
		t.Fatalf("JSON is not snake_case: %s", r.body)
	}

	for name, header := range map[string]string{
		"wrong token":    "Bearer lore_not-a-real-token",
		"session token":  "Bearer lores_abc",
		"empty bearer":   "Bearer ",
		"basic auth":     "Basic YWRtaW46YWRtaW4=",
		"token no label": tok,
	} {
		r := e.get(c, "/api/v1/me", "Authorization", header)
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.StatusCode)
			continue
		}
		if code, msg := r.apiError(t); code != "unauthorized" || msg == "" {
			t.Errorf("%s: error %q %q", name, code, msg)
		}
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	e.get(c, "/api/v1/me").wantStatus(t, http.StatusUnauthorized)

	// The session cookie works for the API too.
	e.get(e.login("ana@example.com"), "/api/v1/me").wantBody(t, "ana@example.com")

	r = e.jsonReq(c, http.MethodGet, "/api/v1/nothing", tok, nil)
	r.wantStatus(t, http.StatusNotFound)
	if code, _ := r.apiError(t); code != "not_found" {
		t.Fatalf("code %q", code)
	}
}

func TestTeamsAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("admin@example.com", lore.RoleAdmin)
	e.user("bo@example.com", lore.RoleMember)
	e.user("cy@example.com", lore.RoleMember)
	admin, member := e.token("admin@example.com"), e.token("bo@example.com")
	c := e.client()

	r := e.jsonReq(c, http.MethodPost, "/api/v1/teams", admin, map[string]any{"name": "Finance", "members": []string{"BO@example.com", "cy@example.com"}})
	r.wantStatus(t, http.StatusCreated)
	var team lore.Team
	if err := json.Unmarshal([]byte(r.body), &team); err != nil || team.ID == 0 || team.Name != "Finance" {
		t.Fatalf("created team = %+v (%v)", team, err)
	}
	path := fmt.Sprintf("/api/v1/teams/%d", team.ID)

	// Members read but do not write.
	e.jsonReq(c, http.MethodGet, path, member, nil).wantBody(t, "cy@example.com")
	e.jsonReq(c, http.MethodGet, "/api/v1/teams", member, nil).wantBody(t, `"Finance"`)
	for _, req := range []struct{ method, path string }{{"POST", "/api/v1/teams"}, {"PATCH", path}, {"DELETE", path}} {
		r := e.jsonReq(c, req.method, req.path, member, map[string]any{"name": "Mine"})
		r.wantStatus(t, http.StatusForbidden)
		if code, _ := r.apiError(t); code != "forbidden" {
			t.Fatalf("%s %s: code %q", req.method, req.path, code)
		}
	}

	// Bad input is refused whole: nothing half-written.
	for name, body := range map[string]any{
		"unknown member": map[string]any{"name": "Finance 2", "members": []string{"bo@example.com", "ghost@example.com"}},
		"empty name":     map[string]any{"name": "  "},
		"long name":      map[string]any{"name": strings.Repeat("n", 300)},
		"bad e-mail":     map[string]any{"name": "T", "members": []string{"not-an-email"}},
		"unknown field":  map[string]any{"name": "T", "owner": "me"},
		"wrong type":     map[string]any{"name": 7},
	} {
		r := e.jsonReq(c, http.MethodPost, "/api/v1/teams", admin, body)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", name, r.StatusCode, r.body)
		}
	}
	r = e.do(c, http.MethodPost, "/api/v1/teams", strings.NewReader("{not json"), "Authorization", "Bearer "+admin)
	r.wantStatus(t, http.StatusBadRequest)
	if _, msg := r.apiError(t); !strings.Contains(msg, "not valid JSON") {
		t.Fatalf("message %q", msg)
	}
	r = e.jsonReq(c, http.MethodGet, "/api/v1/teams", admin, nil)
	var list struct{ Teams []lore.Team }
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Teams) != 1 {
		t.Fatalf("teams after refused creates = %s", r.body)
	}

	// PATCH changes only the fields sent.
	r = e.jsonReq(c, http.MethodPatch, path, admin, map[string]any{"members": []string{"cy@example.com"}})
	r.wantStatus(t, http.StatusOK)
	if err := json.Unmarshal([]byte(r.body), &team); err != nil || team.Name != "Finance" || !slices.Equal(team.Members, []string{"cy@example.com"}) {
		t.Fatalf("patched team = %+v (%v)", team, err)
	}
	e.jsonReq(c, http.MethodPatch, path, admin, map[string]any{"members": []string{"ghost@example.com"}}).wantStatus(t, http.StatusBadRequest)
	e.jsonReq(c, http.MethodGet, path, admin, nil).wantBody(t, `"members":["cy@example.com"]`)

	e.jsonReq(c, http.MethodDelete, path, admin, nil).wantStatus(t, http.StatusNoContent)
	r = e.jsonReq(c, http.MethodGet, path, admin, nil)
	r.wantStatus(t, http.StatusNotFound)
	e.jsonReq(c, http.MethodGet, "/api/v1/teams/abc", admin, nil).wantStatus(t, http.StatusNotFound)

	actions := e.auditActions()
	for _, a := range []string{"team.create", "team.update", "team.delete"} {
		if !slices.Contains(actions, a) {
			t.Errorf("audit log %v lacks %s", actions, a)
		}
	}
}

func TestTeamsPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("admin@example.com", lore.RoleAdmin)
	e.user("bo@example.com", lore.RoleMember)
	admin, member := e.login("admin@example.com"), e.login("bo@example.com")

	e.get(admin, "/teams").wantBody(t, "No teams yet")
	r := e.post(admin, "/teams", url.Values{"name": {"Sales"}, "members": {"bo@example.com\nghost@example.com"}})
	r.wantStatus(t, http.StatusBadRequest)
	r.wantBody(t, "ghost@example.com") // the message names the unknown member
	r.wantBody(t, `value="Sales"`)     // and the form keeps what was typed
	e.get(admin, "/teams").wantBody(t, "No teams yet")

	r = e.post(admin, "/teams", url.Values{"name": {"Sales"}, "members": {"bo@example.com, admin@example.com"}})
	r.wantLocation(t, "/teams")
	page := e.get(admin, "/teams")
	page.wantBody(t, "Team &#34;Sales&#34; created.")
	page.wantBody(t, "admin@example.com, bo@example.com") // sorted by the store
	teams, err := e.store.ListTeams(t.Context())
	if err != nil || len(teams) != 1 {
		t.Fatalf("teams %v %v", teams, err)
	}
	id := fmt.Sprint(teams[0].ID)

	// A member sees the team but cannot change it.
	mp := e.get(member, "/teams")
	mp.wantBody(t, "Sales")
	if strings.Contains(mp.body, "New team") {
		t.Fatal("a member sees the create form")
	}
	e.get(member, "/teams/"+id).wantBody(t, "bo@example.com")
	e.post(member, "/teams", url.Values{"name": {"Mine"}}).wantStatus(t, http.StatusForbidden)
	e.post(member, "/teams/"+id, url.Values{"name": {"Mine"}}).wantStatus(t, http.StatusForbidden)
	e.post(member, "/teams/"+id+"/delete", nil).wantStatus(t, http.StatusForbidden)

	e.get(admin, "/teams/"+id).wantBody(t, "Save team")
	e.post(admin, "/teams/"+id, url.Values{"name": {""}, "members": {""}}).wantStatus(t, http.StatusBadRequest)
	e.post(admin, "/teams/"+id, url.Values{"name": {"Sales EMEA"}, "members": {"bo@example.com"}}).wantLocation(t, "/teams")
	e.get(admin, "/teams").wantBody(t, "Sales EMEA")
	e.post(admin, "/teams/"+id+"/delete", nil).wantLocation(t, "/teams")
	e.get(admin, "/teams").wantBody(t, "No teams yet")
	e.get(admin, "/teams/"+id).wantStatus(t, http.StatusNotFound)
}
