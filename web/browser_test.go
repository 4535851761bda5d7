package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lorehq/lore/internal/browsertest"
)

// TestBrowserFirstRunToLogout drives a real Chromium: first-run setup, sign-out, sign-in,
// every sidebar page, a team, an API token, sign-out. The page must raise no console error
// (a CSP violation by htmx or a template would show up there).
func TestBrowserFirstRunToLogout(t *testing.T) {
	e := setup(t)
	b := browsertest.Start(t)
	base := e.http.URL

	b.Do(chromedp.Navigate(base + "/"))
	if h := b.Text("h1"); h != "Set up Lore" {
		t.Fatalf("first page heading %q, want the setup form", h)
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirm"), testPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar")),
	)
	if msg := b.Text(".flash"); !strings.Contains(msg, "Welcome to Lore") {
		t.Fatalf("flash after setup %q", msg)
	}
	// The vendored htmx loads under the Content-Security-Policy.
	ctx, cancel := context.WithTimeout(b.Ctx, browsertest.StepTimeout)
	defer cancel()
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("typeof htmx + ' ' + htmx.version")); err != nil || !strings.HasPrefix(v, "object 2.") {
		t.Fatalf("htmx on the page: %q, %v", v, err)
	}

	// Sign out and in again through the login form.
	b.Do(chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("form[action='/login']")))
	if msg := b.Text(".flash"); msg != "You are signed out." {
		t.Fatalf("flash after logout %q", msg)
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong password"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash-error")),
	)
	if msg := b.Text(".flash-error"); msg != "Wrong e-mail or password." {
		t.Fatalf("wrong password message %q", msg)
	}
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar")),
	)

	headings := map[string]string{
		"/connections": "Connect", "/metadata": "Metadata", "/personas": "Personas",
		"/teams": "Teams", "/settings": "Settings",
	}
	for _, n := range navItems {
		b.Do(chromedp.Click(chromedp.CSS(".sidebar a[href='"+n.Href+"']")), chromedp.WaitVisible(chromedp.CSS(".sidebar a.active[href='"+n.Href+"']")))
		if h := b.Text("main h1"); h != headings[n.Href] {
			t.Errorf("%s: heading %q, want %q", n.Href, h, headings[n.Href])
		}
	}

	// A team and a token through the forms.
	b.Do(
		chromedp.Navigate(base+"/teams"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Analysts"),
		chromedp.SendKeys(chromedp.CSS("#members"), "admin@example.com"),
		chromedp.Click(chromedp.CSS("form[action='/teams'] button")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
	)
	if row := b.Text("table.table tbody"); !strings.Contains(row, "Analysts") {
		t.Fatalf("teams table %q lacks the new team", row)
	}
	b.Do(
		chromedp.Navigate(base+"/settings"),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "browser"),
		chromedp.Click(chromedp.CSS("form[action='/settings/tokens'] button")),
		chromedp.WaitVisible(chromedp.CSS("#new-token")),
	)
	b.SaveScreenshot("settings")

	b.Do(chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("form[action='/login']")))
	b.Do(chromedp.Navigate(base + "/teams"))
	if loc := b.Location(); !strings.Contains(loc, "/login?next=") {
		t.Fatalf("after logout /teams went to %s, want the login page", loc)
	}
	var errs []string
	for _, m := range b.ConsoleErrors() {
		// The wrong-password page is answered with 401 on purpose; Chromium logs that.
		if !strings.Contains(m, "status of 401") {
			errs = append(errs, m)
		}
	}
	if len(errs) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
