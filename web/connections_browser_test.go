package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lorehq/lore/internal/browsertest"
	"github.com/lorehq/lore/internal/loretest"
)

// TestConnectBrowser drives the Connect form in Chromium: the htmx Test Connection swaps in the
// result under the CSP, Save works, and the list, Settings and dbt pages render without console errors.
func TestConnectBrowser(t *testing.T) {
	l := loretest.New(t, loretest.Options{NoWork: true})
	w := loretest.TICKIT(t)
	b := browsertest.Start(t)
	rs := w.Redshift
	b.Do(chromedp.Navigate(l.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), l.Admin.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), loretest.AdminPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar")),
		chromedp.Navigate(l.URL+"/connections/new"), chromedp.WaitVisible(chromedp.CSS(".connect-stores")))
	b.Do(chromedp.Click(chromedp.CSS("a[href='/connections/new?type=redshift']")), chromedp.WaitVisible(chromedp.CSS("#connection-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "tickit"),
		chromedp.SendKeys(chromedp.CSS("#region"), rs.Config["region"]),
		chromedp.SendKeys(chromedp.CSS("#database"), rs.Config["database"]),
		chromedp.SendKeys(chromedp.CSS("#cluster_identifier"), rs.Config["cluster_identifier"]),
		chromedp.SendKeys(chromedp.CSS("#db_user"), rs.Config["db_user"]),
		chromedp.SendKeys(chromedp.CSS("#access_key_id"), rs.Secrets["access_key_id"]),
		chromedp.SendKeys(chromedp.CSS("#secret_access_key"), rs.Secrets["secret_access_key"]),
		chromedp.SendKeys(chromedp.CSS("#endpoint_url"), rs.Config["endpoint_url"]),
		chromedp.Click(chromedp.CSS("button[hx-post]")),
		chromedp.WaitVisible(chromedp.CSS(".connect-result")))
	if txt := b.Text(".connect-result"); !strings.Contains(txt, "Connection works") {
		t.Errorf("result %q", txt)
	}
	b.Do(chromedp.Click(chromedp.CSS("#auth-role")), chromedp.WaitVisible(chromedp.CSS("#role_arn")))
	b.Do(chromedp.Click(chromedp.CSS("#auth-keys")), chromedp.Click(chromedp.CSS("#connection-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	b.Do(chromedp.Navigate(l.URL+"/connections"), chromedp.WaitVisible(chromedp.CSS("#connections")))
	b.Do(chromedp.Navigate(l.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS(".ai-form")))
	b.Do(chromedp.Navigate(fmt.Sprintf("%s/connections/%d/dbt", l.URL, 1)), chromedp.WaitVisible(chromedp.CSS("#dbt-form")))
	if errs := b.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console: %v", errs)
	}
}
