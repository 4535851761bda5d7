package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
)

func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.client()

	e.get(c, "/").wantLocation(t, "/setup")
	e.get(c, "/login").wantLocation(t, "/setup")
	e.get(c, "/setup").wantBody(t, "Create administrator")

	bad := []struct {
		name string
		form url.Values
		msg  string
	}{
		{"empty e-mail", url.Values{"email": {""}, "password": {testPassword}, "confirm": {testPassword}}, "E-mail is required."},
		{"oversized e-mail", url.Values{"email": {strings.Repeat("a", 300) + "@x.io"}, "password": {testPassword}, "confirm": {testPassword}}, "E-mail is longer than 254"},
		{"short password", url.Values{"email": {"a@x.io"}, "password": {"short"}, "confirm": {"short"}}, "at least 8 characters"},
		{"oversized password", url.Values{"email": {"a@x.io"}, "password": {strings.Repeat("p", 2000)}, "confirm": {strings.Repeat("p", 2000)}}, "at most 1024"},
		{"passwords differ", url.Values{"email": {"a@x.io"}, "password": {testPassword}, "confirm": {testPassword + "x"}}, "The two passwords differ"},
	}
	for _, b := range bad {
		r := e.post(c, "/setup", b.form)
		r.wantStatus(t, http.StatusBadRequest)
		r.wantBody(t, b.msg)
		if n := e.countUsers(); n != 0 {
			t.Fatalf("%s: %d users exist after a refused setup", b.name, n)
		}
	}

	r := e.post(c, "/setup", url.Values{"email": {"Admin@Example.com"}, "password": {testPassword}, "confirm": {testPassword}})
	r.wantStatus(t, http.StatusSeeOther)
	r.wantLocation(t, "/connections")
	ck := r.cookie("lore_session")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure without TLS", ck)
	}
	page := e.get(c, "/connections")
	page.wantStatus(t, http.StatusOK)
	page.wantBody(t, "admin@example.com")
	page.wantBody(t, "Welcome to Lore")

	// Setup is closed once a user exists, for new visitors and for a replayed form alike.
	other := e.client()
	e.get(other, "/setup").wantLocation(t, "/login")
	r = e.post(other, "/setup", url.Values{"email": {"intruder@example.com"}, "password": {testPassword}, "confirm": {testPassword}})
	r.wantLocation(t, "/login")
	if n := e.countUsers(); n != 1 {
		t.Fatalf("%d users after a second setup, want 1", n)
	}
	if !slices.Contains(e.auditActions(), "user.create") {
		t.Fatalf("audit log %v lacks user.create", e.auditActions())
	}
}

func TestLoginFailuresShareOneMessage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleAdmin)
	c := e.client()

	wrong := e.post(c, "/login", url.Values{"email": {"ana@example.com"}, "password": {"not the password"}})
	unknown := e.post(c, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"not the password"}})
	for _, r := range []*response{wrong, unknown} {
		r.wantStatus(t, http.StatusUnauthorized)
		r.wantBody(t, "Wrong e-mail or password.")
		if r.cookie("lore_session") != nil {
			t.Fatal("a failed login set a session cookie")
		}
	}

	for name, form := range map[string]url.Values{
		"empty":              {"email": {""}, "password": {""}},
		"no password":        {"email": {"ana@example.com"}},
		"oversized e-mail":   {"email": {strings.Repeat("e", 300) + "@example.com"}, "password": {"x"}},
		"oversized password": {"email": {"ana@example.com"}, "password": {strings.Repeat("p", 1100)}},
	} {
		r := e.post(c, "/login", form)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, r.StatusCode)
		}
		if !strings.Contains(r.body, "flash-error") {
			t.Errorf("%s: no error message shown", name)
		}
	}
}

func TestLoginRenewsSessionAndLogoutEndsIt(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleMember)
	c := e.login("ana@example.com")
	u, _ := url.Parse(e.http.URL)
	first := c.Jar.Cookies(u)[0].Value

	// Signing in again replaces the session: the old token stops working.
	r := e.post(c, "/login", url.Values{"email": {"ana@example.com"}, "password": {testPassword}, "next": {"/teams"}})
	r.wantLocation(t, "/teams")
	second := r.cookie("lore_session").Value
	if second == first {
		t.Fatal("login did not renew the session token")
	}
	if _, err := e.accounts.SessionUser(t.Context(), first); lore.ErrorCode(err) != lore.EUNAUTHORIZED {
		t.Fatalf("old session after re-login: err %v, want unauthorized", err)
	}

	// An off-site next is ignored.
	r = e.post(e.client(), "/login", url.Values{"email": {"ana@example.com"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	r.wantLocation(t, "/connections")

	r = e.post(c, "/logout", nil)
	r.wantLocation(t, "/login")
	if ck := r.cookie("lore_session"); ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %+v", ck)
	}
	// Replaying the old cookie after logout gets the login page, not the app.
	replay := e.client()
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "lore_session", Value: second}})
	e.get(replay, "/teams").wantLocation(t, "/login?next=%2Fteams")
	want := []string{"user.login", "user.logout"}
	for _, a := range want {
		if !slices.Contains(e.auditActions(), a) {
			t.Fatalf("audit log %v lacks %s", e.auditActions(), a)
		}
	}
}

func TestForgedAndExpiredCookies(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleMember)
	u, _ := url.Parse(e.http.URL)

	forged := e.client()
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "lore_session", Value: "lores_forgedforgedforged"}})
	r := e.get(forged, "/settings")
	r.wantLocation(t, "/login?next=%2Fsettings")
	if ck := r.cookie("lore_session"); ck == nil || ck.MaxAge >= 0 {
		t.Fatal("a forged cookie was not cleared")
	}
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "lore_session", Value: "garbage"}})
	r = e.get(forged, "/api/v1/me")
	r.wantStatus(t, http.StatusUnauthorized)
	if code, _ := r.apiError(t); code != "unauthorized" {
		t.Fatalf("code %q", code)
	}

	c := e.login("ana@example.com")
	e.get(c, "/settings").wantStatus(t, http.StatusOK)
	e.clock.Add(lore.SessionTTL + time.Minute)
	r = e.get(c, "/settings")
	r.wantLocation(t, "/login?next=%2Fsettings")
	// The login page then says why.
	e.get(c, "/login").wantBody(t, "Your session has ended")
	e.get(c, "/api/v1/me").wantStatus(t, http.StatusUnauthorized)
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleAdmin)
	form := url.Values{"email": {"ana@example.com"}, "password": {testPassword}}

	r := e.post(e.client(), "/login", form, "Origin", "https://evil.example")
	r.wantStatus(t, http.StatusForbidden)
	r.wantBody(t, "Cross-origin request refused")
	if r.cookie("lore_session") != nil {
		t.Fatal("a cross-origin login set a session")
	}
	e.post(e.client(), "/login", form, "Sec-Fetch-Site", "cross-site").wantStatus(t, http.StatusForbidden)
	e.post(e.client(), "/setup", form, "Sec-Fetch-Site", "cross-site").wantStatus(t, http.StatusForbidden)

	// Same-origin form posts pass.
	e.post(e.client(), "/login", form, "Sec-Fetch-Site", "same-origin").wantStatus(t, http.StatusSeeOther)

	// Cookie-authenticated API writes are protected; bearer-authenticated ones carry no
	// ambient credential and pass.
	c := e.login("ana@example.com")
	r = e.jsonReq(c, http.MethodPost, "/api/v1/teams", "", map[string]any{"name": "x"}, "Sec-Fetch-Site", "cross-site")
	r.wantStatus(t, http.StatusForbidden)
	if code, _ := r.apiError(t); code != "forbidden" {
		t.Fatalf("code %q, want forbidden", code)
	}
	tok := e.token("ana@example.com")
	e.jsonReq(e.client(), http.MethodPost, "/api/v1/teams", tok, map[string]any{"name": "x"}, "Sec-Fetch-Site", "cross-site").
		wantStatus(t, http.StatusCreated)
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.user("ana@example.com", lore.RoleMember)
	c := e.client()
	wrong := url.Values{"email": {"ana@example.com"}, "password": {"wrong password"}}

	var last *response
	locked := 0
	for range 20 {
		last = e.post(c, "/login", wrong)
		if last.StatusCode == http.StatusTooManyRequests {
			locked++
		} else if last.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401 or 429", last.StatusCode)
		}
	}
	last.wantStatus(t, http.StatusTooManyRequests)
	last.wantBody(t, "Too many failed sign-ins")
	if locked != 11 {
		t.Errorf("%d of 20 attempts got 429, want 11 (the limit is 10 failures)", locked)
	}
	secs, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q, want 1..60 seconds", last.Header.Get("Retry-After"))
	}

	// While locked even the right password is refused; when the lock expires it works.
	right := url.Values{"email": {"ana@example.com"}, "password": {testPassword}}
	e.post(c, "/login", right).wantStatus(t, http.StatusTooManyRequests)
	e.clock.Add(time.Duration(secs) * time.Second)
	e.post(c, "/login", right).wantStatus(t, http.StatusSeeOther)
}

func TestLoginThrottlePerIP(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.LoginLimits = LoginLimits{IPFailures: 3} })
	e.user("ana@example.com", lore.RoleMember)
	c := e.client()
	for i := range 3 {
		r := e.post(c, "/login", url.Values{"email": {strconv.Itoa(i) + "@example.com"}, "password": {"x"}})
		want := http.StatusUnauthorized
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		r.wantStatus(t, want)
	}
	r := e.post(c, "/login", url.Values{"email": {"ana@example.com"}, "password": {testPassword}})
	r.wantStatus(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}
